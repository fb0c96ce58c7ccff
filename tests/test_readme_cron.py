"""The README's crontab line works as written: it reads the shared environment file and runs the
sweep against that environment's database (only the paths are moved into the test's folder)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from sqlalchemy import select

from tests.fixtures.app import TEST_CONFIG
from tests.fixtures.tickets import take_ticket
from webapp import clock
from webapp.extensions import db
from webapp.models import Notification

ROOT = Path(__file__).resolve().parent.parent


def _cron_line() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```cron\n\s*(.+?)\n\s*```", readme, re.S)
    assert block, "the README's production section has no crontab line"
    return block.group(1).strip()


def test_the_crontab_line_runs_the_sweep_with_the_shared_environment(app, world, tmp_path):
    line = _cron_line()
    fields = line.split(None, 6)
    assert fields[0] == "*/15" and fields[5] == "propdesk"  # every 15 minutes, as that user
    command = fields[6]
    env_file = tmp_path / "propdesk.env"
    env_file.write_text(
        "\n".join(
            [
                f"SECRET_KEY={TEST_CONFIG['SECRET_KEY']}",
                f"DATABASE_URL={app.config['SQLALCHEMY_DATABASE_URI']}",
                f"UPLOAD_DIR={app.config['UPLOAD_DIR']}",
                f"INSTANCE_PATH={tmp_path / 'instance'}",
                "RATELIMIT_STORAGE_URI=memory://",
                "PUBLIC_URL=https://propdesk.example.cn",
            ]
        )
        + "\n"
    )
    log = tmp_path / "sweep.log"
    command = (
        command.replace("/srv/propdesk", str(ROOT))
        .replace("/etc/propdesk.env", str(env_file))
        .replace("/var/log/propdesk-sweep.log", str(log))
    )
    # Something for the sweep to do: a ticket whose 24-hour follow-up is long overdue.
    ticket, _code = take_ticket(world)
    ticket.next_follow_up_at = clock.now().replace(year=clock.now().year - 1)
    db.session.commit()

    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120)  # noqa: S603, S607
    output = log.read_text() if log.exists() else ""
    assert result.returncode == 0, result.stderr + output
    assert "escalated 1 record(s)" in output, output
    db.session.rollback()
    assert db.session.scalars(select(Notification)).first() is not None
