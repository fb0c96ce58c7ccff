#!/usr/bin/env bash
# The job queue's consumer: delivers messages to the WeCom/DingTalk groups and runs the periodic
# sweep. Run one or more on any host that shares the database and JOB_QUEUE_URL (redis://… in
# production; without it, a SQLite file in instance/ on this host).
set -euo pipefail
cd "$(dirname "$0")/.."
export FLASK_APP=webapp
exec .venv/bin/huey_consumer webapp.worker.huey --workers "${WORKERS:-2}" --worker-type thread "$@"
