#!/bin/sh
# Installs one deployable into $UV_PROJECT_ENVIRONMENT, from uv.lock only (--frozen), no dev tools:
#   install-deployable.sh <service> deps      third-party packages (needs only manifests + lock)
#   install-deployable.sh <service> project   the workspace members, non-editable
# The service is `uv sync --package skillpass-<service>`. The `skillpass` command comes on top,
# from skillpass-cli's closure with the other services pruned: skillpass-cli depends on every
# service (for `skillpass dev`), while an image carries one.
set -eu
service="$1"
phase="$2"
python="$UV_PROJECT_ENVIRONMENT/bin/python"
prune=""
for other in issuer wallet verifier gateway; do
    [ "$other" = "$service" ] || prune="$prune --prune skillpass-$other"
done
case "$phase" in
    deps)
        uv sync --frozen --no-dev --no-install-workspace --package "skillpass-$service"
        # shellcheck disable=SC2086 # $prune is a list of options
        uv export --frozen --no-dev --package skillpass-cli $prune --no-emit-workspace \
            --quiet --output-file /tmp/cli-requirements.txt
        uv pip install --python "$python" --no-deps --requirement /tmp/cli-requirements.txt
        ;;
    project)
        # --inexact: keep the command's own requirements installed by the deps phase.
        uv sync --frozen --no-dev --no-editable --inexact --package "skillpass-$service"
        # shellcheck disable=SC2086
        uv export --frozen --no-dev --no-editable --package skillpass-cli $prune --no-hashes \
            --quiet --output-file /tmp/cli-requirements.txt
        grep '^\./' /tmp/cli-requirements.txt > /tmp/cli-members.txt
        uv pip install --python "$python" --no-deps --requirement /tmp/cli-members.txt
        # Fails the build if the command cannot start with what this image has.
        "$UV_PROJECT_ENVIRONMENT/bin/skillpass" serve --help > /dev/null
        ;;
    *)
        echo "usage: $0 <issuer|wallet|verifier|gateway> <deps|project>" >&2
        exit 2
        ;;
esac
