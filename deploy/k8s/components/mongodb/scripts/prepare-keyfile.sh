#!/bin/sh
# mongod refuses a keyfile that group or others can read; a Secret volume under fsGroup always is.
set -eu
cp /keyfile-secret/keyfile /keyfile/keyfile
chmod 0400 /keyfile/keyfile
