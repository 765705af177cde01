"""verl reward function backed by a medrubric reward server (`medrubric serve`).

One call per rollout, in the verl config:

    custom_reward_function.path=adapters/verl/medrubric_reward.py
    custom_reward_function.name=compute_score

or one request per distinct prompt (its rollouts together), with verl's batch reward manager:

    reward_model.reward_manager=batch
    custom_reward_function.path=adapters/verl/medrubric_reward.py
    custom_reward_function.name=compute_score_batch

Each row's `extra_info` should carry `prompt` (a string or a list of chat messages) and may
carry `scenario` (a scenario id of the standard, which sets the dimension weights); without a
prompt the answer is scored against an empty question. A row's `ground_truth` may carry the
item's rubric (HealthBench items `[{"criterion", "points"}, ...]`, `{"rubrics": [...]}`, or the
JSON text of either; any other value, such as "42", means none): the reward is then the rubric's HealthBench score, from the model's P(met)
per criterion, or from the judge's verdicts when the server has a judge (`serve --judge-url`;
raise MEDRUBRIC_REWARD_TIMEOUT above the server's --request-timeout-ms then). Environment: MEDRUBRIC_REWARD_URL
(default http://127.0.0.1:8000), MEDRUBRIC_REWARD_API_KEY (when the server was started with
--api-key-env), MEDRUBRIC_REWARD_TIMEOUT (seconds per request, default 30). Standard library
only, so it imports in any verl worker without installing anything.
"""

from __future__ import annotations

import http.client
import json
import os
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional, Sequence

RETRIES = 3
# Concurrent requests from one batch call: the server gathers them into one model batch.
CONCURRENCY = 8


class RewardServerError(RuntimeError):
    """The reward server refused a request, stayed unreachable after the retries, or a row's rubric is malformed."""


def _messages(extra_info: Optional[Dict[str, Any]]) -> List[Dict[str, str]]:
    prompt = (extra_info or {}).get("prompt")
    if prompt is None or isinstance(prompt, str):
        return [{"role": "user", "content": prompt or ""}]
    # A list from parquet comes back as a numpy array of dicts; anything iterable will do.
    messages = [{"role": str(m["role"]), "content": str(m["content"])} for m in prompt]
    return messages or [{"role": "user", "content": ""}]


def _rubrics(ground_truth: Any) -> Optional[List[Dict[str, Any]]]:
    """The rubric a row's `ground_truth` carries, or None.

    A rubric is a list of {"criterion", "points"} items, {"rubrics": [...]}, or the JSON text of
    either. Anything else that is not a list (a number, a plain answer string such as "42", the JSON
    of a number, a dict without "rubrics") means no rubric. A list whose items are not rubric items
    raises RewardServerError naming the item, rather than training on a reward that ignores it.
    """
    if isinstance(ground_truth, (bytes, bytearray)):
        ground_truth = ground_truth.decode("utf-8", "replace")
    if isinstance(ground_truth, str):
        try:
            ground_truth = json.loads(ground_truth)
        except ValueError:
            return None
    if isinstance(ground_truth, dict):
        ground_truth = ground_truth.get("rubrics")
    if ground_truth is None or isinstance(ground_truth, (str, bytes, bytearray, dict)):
        return None
    try:
        # From parquet a list arrives as a numpy array; a number (numpy's too) is not iterable.
        items = list(ground_truth)
    except TypeError:
        return None
    return [_rubric_item(index, item) for index, item in enumerate(items)] or None


def _rubric_item(index: int, item: Any) -> Dict[str, Any]:
    try:
        tags = item.get("tags")
        return {
            "criterion": str(item["criterion"]),
            "points": float(item["points"]),
            "tags": [] if tags is None else [str(t) for t in tags],
        }
    except (AttributeError, KeyError, TypeError, ValueError):
        raise RewardServerError(
            f'ground_truth item {index}: expected a rubric item {{"criterion", "points"}}, got {item!r:.100}'
        ) from None


def _request(extra_info: Optional[Dict[str, Any]], ground_truth: Any = None) -> Dict[str, Any]:
    body: Dict[str, Any] = {"prompt": _messages(extra_info)}
    scenario = (extra_info or {}).get("scenario")
    if scenario:
        body["scenario"] = str(scenario)
    rubrics = _rubrics(ground_truth)
    if rubrics:
        body["rubrics"] = rubrics
    return body


def _post(body: Dict[str, Any]) -> List[float]:
    url = os.environ.get("MEDRUBRIC_REWARD_URL", "http://127.0.0.1:8000").rstrip("/") + "/v1/score"
    timeout = float(os.environ.get("MEDRUBRIC_REWARD_TIMEOUT", "30"))
    headers = {"content-type": "application/json"}
    key = os.environ.get("MEDRUBRIC_REWARD_API_KEY")
    if key:
        headers["authorization"] = f"Bearer {key}"
    data = json.dumps(body).encode("utf-8")
    problem = ""
    for attempt in range(RETRIES + 1):
        wait = 0.5 * 2**attempt
        try:
            request = urllib.request.Request(url, data=data, headers=headers, method="POST")
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return [float(r) for r in json.loads(response.read())["rewards"]]
        except urllib.error.HTTPError as error:
            try:
                problem = f"HTTP {error.code}: {json.loads(error.read())['error']}"
            except (ValueError, KeyError, TypeError, OSError):
                problem = f"HTTP {error.code}"
            # 400 and 401 will not get better by asking again.
            if error.code != 429 and error.code < 500:
                break
            retry_after = error.headers.get("retry-after", "")
            if error.code == 429 and retry_after.isdigit():
                wait = min(float(retry_after), 60.0)
        except (OSError, http.client.HTTPException) as error:
            problem = str(getattr(error, "reason", None) or error)
        if attempt < RETRIES:
            time.sleep(wait)
    raise RewardServerError(f"medrubric reward server {url}: {problem}")


def compute_score(data_source: str, solution_str: str, ground_truth: Any, extra_info: Optional[Dict[str, Any]] = None) -> float:
    """The medrubric reward of one answer: in [0, 1] by the standard's dimensions, or the rubric's score when `ground_truth` has one."""
    return _post({**_request(extra_info, ground_truth), "responses": [solution_str]})[0]


def compute_score_batch(
    data_sources: Sequence[str],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Optional[Sequence[Optional[Dict[str, Any]]]] = None,
) -> List[float]:
    """The rewards of a batch, in order; one request per distinct prompt, scenario and rubric."""
    infos = list(extra_infos) if extra_infos is not None else [None] * len(solution_strs)
    truths = list(ground_truths) if ground_truths is not None else [None] * len(solution_strs)
    groups: Dict[str, Dict[str, Any]] = {}
    for index, (solution, info, truth) in enumerate(zip(solution_strs, infos, truths)):
        body = _request(info, truth)
        group = groups.setdefault(json.dumps(body, sort_keys=True), {**body, "responses": [], "indices": []})
        group["responses"].append(solution)
        group["indices"].append(index)
    rewards = [0.0] * len(solution_strs)
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        bodies = [{k: v for k, v in g.items() if k != "indices"} for g in groups.values()]
        for group, scored in zip(groups.values(), pool.map(_post, bodies)):
            for index, reward in zip(group["indices"], scored):
                rewards[index] = reward
    return rewards
