# Shared by the project's scripts: find a JDK >= 25 and install the system packages the tests need.
# Source it; it defines functions and changes nothing until they are called.

TURNSTILE_JVM_FLAGS=(--enable-native-access=ALL-UNNAMED --add-opens java.base/jdk.internal.misc=ALL-UNNAMED)

# java_major <java binary>: prints the major version, or nothing.
java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}'
}

# require_jdk: exports JAVA_HOME pointing at a JDK >= 25: $JAVA_HOME if it is one, else the newest in /usr/lib/jvm.
require_jdk() {
  local candidate major best="" best_major=0
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/javac" ]]; then
    major=$(java_major "$JAVA_HOME/bin/java")
    if [[ -n "$major" && "$major" -ge 25 ]]; then
      export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  fi
  for candidate in /usr/lib/jvm/*; do
    [[ -x "$candidate/bin/javac" ]] || continue
    major=$(java_major "$candidate/bin/java")
    if [[ -n "$major" && "$major" -ge 25 && "$major" -gt "$best_major" ]]; then
      best="$candidate"; best_major="$major"
    fi
  done
  if [[ -z "$best" ]]; then
    echo "error: Turnstile needs a JDK 25 or newer (java.lang.foreign, release 25)." >&2
    echo "       JAVA_HOME=${JAVA_HOME:-<unset>} is not one and none was found under /usr/lib/jvm." >&2
    echo "       Install one (e.g. Temurin 25) and set JAVA_HOME to it." >&2
    exit 1
  fi
  export JAVA_HOME="$best" PATH="$best/bin:$PATH"
}

# ensure_tools <what>=<package> ...: installs the Debian packages of anything missing, running 'apt-get update' once
# first. <what> is a command on the PATH (openssl=openssl), or, for packages that install no command (libraries'
# development files), an absolute path the package installs (/usr/include/wolfssl/ssl.h=libwolfssl-dev).
ensure_tools() {
  local pair what pkg missing=()
  for pair in "$@"; do
    what=${pair%%=*}; pkg=${pair#*=}
    if [[ "$what" == /* ]]; then
      [[ -e "$what" ]] || missing+=("$pkg")
    else
      command -v "$what" >/dev/null 2>&1 || missing+=("$pkg")
    fi
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  local sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "error: missing packages ${missing[*]} and not root (no sudo) to install them." >&2
      exit 1
    fi
  fi
  echo "Installing ${missing[*]} ..." >&2
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
}
