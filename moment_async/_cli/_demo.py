"""
``moment-async demo``: the life of a custom audience, against an embedded sandbox.
"""

from __future__ import annotations

import random
import tempfile
import time
import uuid
from pathlib import Path
from typing import IO, Final

from .._client import MomentClient
from .._errors import WaitTimeoutError
from ..models import (
    AudienceSpec,
    AudienceType,
    CustomerFileTargeting,
    SelectionType,
)
from ._output import ProgressBar, say, table
from ._waiting import with_elapsed_bar

#: Seconds the sandbox takes to "extract the population" (hours at Kakao).
_PROCESSING: Final = 1.0
#: How long the demo waits for the file at most.
_READY_WITHIN: Final = 60.0
_ROWS: Final = 5000


def write_sample_csv(path: Path, rows: int, seed: int = 7) -> None:
    """
    Write a sample ADID file: a header, *rows* IDs, a few bad and repeated lines.
    """
    rng = random.Random(seed)  # noqa: S311  # sample data, not secrets
    ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(rows)]
    lines = ["adid", *ids, "not-an-adid", ids[0].upper(), "", "12345"]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")


async def demo(out: IO[str]) -> int:
    """
    Run the demo, printing each step to *out*; return the exit code.
    """
    from ..sandbox import Sandbox  # noqa: PLC0415  # the server is loaded only for the demo

    def step(text: str) -> None:
        say(out)
        say(out, f"==> {text}")
        out.flush()

    async with Sandbox(processing_delay=_PROCESSING) as sandbox:
        say(out, f"A local Moment API sandbox is running at {sandbox.url}")
        async with MomentClient(Sandbox.DEFAULT_TOKEN, base_url=sandbox.url) as client:
            account = client.ad_account(Sandbox.DEFAULT_ACCOUNT)
            files = account.customer_files
            with tempfile.TemporaryDirectory() as folder:
                csv = Path(folder) / "buyers.csv"
                write_sample_csv(csv, _ROWS)
                step(f"Upload {csv.name}: {_ROWS} ADIDs, a header and a few bad lines")
                upload = await files.upload(
                    "데모 구매자 buyers", [csv], progress=ProgressBar("uploading", out)
                )
            table([upload], out)

            step("Wait until Kakao has extracted the target population")
            say(
                out,
                "(polling every 5 s: detail calls are limited to one every 5 s per customer file)",
            )
            started = time.monotonic()
            try:
                ready = await with_elapsed_bar(
                    files.wait_until_ready(upload.id, max_wait=_READY_WITHIN),
                    _READY_WITHIN,
                    ProgressBar("waiting", out, unit="s"),
                )
            except WaitTimeoutError:
                say(out, "the file did not become ready in time")
                return 1
            say(out, f"  {ready.status} after {time.monotonic() - started:.0f} s")
            table([ready], out)

            step("Create a DISPLAY audience of buyers aged 20 to 34")
            spec = AudienceSpec(
                name="demo buyers 20-34",
                type=AudienceType.DISPLAY,
                age_type=SelectionType.NOT_ALL,
                ages=("20", "25", "30"),
                customer_file_targetings=(CustomerFileTargeting(id=upload.id),),
            )
            audience = await account.audiences.create(spec)
            table([audience], out)

            step("Wait until the audience leaves STANDBY")
            say(out, "(no rate limit is documented for audiences: polling every 0.5 s)")
            audience = await account.audiences.wait_until_ready(
                audience.id, max_wait=_READY_WITHIN, poll_interval=0.5
            )
            table([audience], out)

            step("Show which ad groups use the audience")
            sandbox.seed_ad_group(
                Sandbox.DEFAULT_ACCOUNT,
                ad_group_id=501,
                name="demo ad group",
                campaign_id=77,
                campaign_name="demo campaign",
                audience_ids=[audience.id],
            )
            table(await account.audiences.ad_groups(audience.id), out)

            step("Rename the customer file")
            table([await files.rename(upload.id, "데모 구매자 (renamed)")], out)

            step("Clean up: unlink the ad group, delete the audience and the file")
            await account.audiences.unlink(audience.id, 501)
            await account.audiences.delete(audience.id)
            await files.delete(upload.id)
            say(out, f"customer files left: {len(await files.list())}")
    say(out)
    say(out, "Done.")
    return 0
