#!/usr/bin/env bash
# Prints the JAVA_HOME of a JDK 25 under /usr/lib/jvm (the Kestra suite needs one: Kestra 2.0
# is Java 25 bytecode, and the machine's default java is older). Exits 1, saying so, if there
# is none: the suite must fail then, never be skipped.
#   JAVA_HOME="$(scripts/find-jdk25.sh)" mvn -f tests/kestra/pom.xml test
set -euo pipefail

JVM_DIR="${JVM_DIR:-/usr/lib/jvm}"

for home in "$JVM_DIR"/*; do
    [ -x "$home/bin/javac" ] && [ -f "$home/release" ] || continue   # a full JDK, not a JRE
    version="$(sed -n 's/^JAVA_VERSION="\([^"]*\)"/\1/p' "$home/release")"
    case "$version" in
        25|25.*)
            # Several names may point at one JDK (symlinks): print its real path once.
            readlink -f "$home"
            exit 0
            ;;
    esac
done

echo "find-jdk25: no JDK 25 under $JVM_DIR (Kestra 2.0 needs Java 25 to compile and run the Kestra suite);" \
     "install one, e.g. the Temurin 25 JDK, into $JVM_DIR" >&2
exit 1
