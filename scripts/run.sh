#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make run: self-test the crypto module and show the CLI at work. Later stages start the daemons.
set -eu
build=${1:-build}
ccsp=$build/bin/ccsp
echo "== ccsp $($ccsp version)"
$ccsp selftest
