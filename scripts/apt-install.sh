# Sourced by the pretest scripts: apt_install PACKAGE installs one of Debian's packages with apt-get
# (through sudo when not root), quietly; on failure it prints apt-get's output and returns non-zero.
apt_install() {
  local sudo="" log
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  log="$(mktemp)"
  if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$1"; } >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}
