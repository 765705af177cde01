/**
 * The examples at the end of each command's --help, by command path; every command that does
 * something has one or two (a test walks the program to keep it so).
 */
export const HELP_EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  demo: ["medrubric demo", "medrubric demo --encoder glove --out demo-glove"],
  score: ["medrubric score --input graded.jsonl", "medrubric score --input run_allresults.json --example-tags healthbench.jsonl --json"],
  grade: [
    "medrubric grade --input responses.jsonl --examples healthbench.jsonl --judge-url http://localhost:8000/v1 --judge-model Qwen/Qwen2.5-72B-Instruct --out graded.jsonl",
    "medrubric grade --input responses.jsonl --examples healthbench.jsonl --judge-url https://api.openai.com/v1 --judge-model gpt-4.1 --max-failure-rate 0.02 --out graded.jsonl",
  ],
  eval: [
    "medrubric eval --input healthbench.jsonl --model-url http://localhost:8001/v1 --model-name my-model --judge-url http://localhost:8000/v1 --judge-model Qwen/Qwen2.5-72B-Instruct --out graded.jsonl",
  ],
  "meta-eval": ["medrubric meta-eval --input graded.jsonl --labels healthbench_meta_eval.jsonl"],
  "standards show": ["medrubric standards show", "medrubric standards show my-standard.yaml --json"],
  "standards validate": ["medrubric standards validate my-standard.yaml"],
  "standards lock": ["medrubric standards lock builtin my-additions.yaml --out standard.lock.json"],
  "standards coverage": ["medrubric standards coverage --input healthbench.jsonl --out coverage.json"],
  "rubrics generate": [
    "medrubric rubrics generate --input prompts.jsonl --llm-url http://localhost:8000/v1 --llm-model Qwen/Qwen2.5-72B-Instruct --out rubrics.jsonl",
  ],
  "synth generate": [
    "medrubric synth generate --n 200 --llm-url http://localhost:8000/v1 --llm-model Qwen/Qwen2.5-72B-Instruct --out units.jsonl",
  ],
  "synth degrade": ["medrubric synth degrade --input good-answers.jsonl --out units.jsonl"],
  "synth stats": ["medrubric synth stats units.jsonl"],
  train: [
    "medrubric train --units units.jsonl --out models/rm",
    "medrubric train --graded graded.jsonl --healthbench healthbench.jsonl --encoder glove --out models/rm-glove",
    "medrubric train --graded-from-store --store postgres://rl@db/medrubric --judge-model gpt-4.1 --encoder glove --out models/rm-rl",
  ],
  reward: ["medrubric reward --model models/rm --input answers.jsonl --out rewards.jsonl"],
  rerank: ["medrubric rerank --model models/rm --input candidates.jsonl --out best.jsonl"],
  "rm-eval": [
    "medrubric rm-eval --model models/rm --units held-out.jsonl --out rm-eval.json",
    "medrubric rm-eval --model models/rm --graded graded.jsonl --compare lambdas0=models/zero --out rm-eval.json",
  ],
  serve: [
    "medrubric serve --model models/rm --port 8000",
    "medrubric serve --judge-url http://localhost:8000/v1 --judge-model Qwen/Qwen2.5-72B-Instruct --port 8100",
  ],
  report: [
    "medrubric report --input graded.jsonl --out report.html",
    "medrubric report --input rm-eval.json --compare rm-eval-before.json --out report.html",
  ],
  "verdicts list": [
    "medrubric verdicts list --judge-model gpt-4.1 --criterion 'emergency services'",
    "medrubric verdicts list --store postgres://medrubric@db:5432/medrubric --older-than 30d --json",
  ],
  "verdicts remove": [
    "medrubric verdicts remove --judge-model gpt-4.1 --prompt-version 3f2a9c --dry-run",
    "medrubric verdicts remove --criterion 'Mentions aspirin' --older-than 7d",
  ],
  "data fetch": [
    "medrubric data fetch healthbench --subset hard",
    "medrubric data fetch healthbench --subset full --dir data/healthbench-full",
  ],
};
