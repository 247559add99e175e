# Checks: asyncio.wait return_when modes and timeout. Tasks: a ok at 0.1, b raises
# at 0.3, c ok at 0.5. FIRST_COMPLETED -> {a}; FIRST_EXCEPTION -> {a,b};
# ALL_COMPLETED -> all; timeout=0.2 -> {a}, pending are NOT cancelled, no raise.
# Spec: "Coroutines and Tasks" -> Waiting Primitives -> asyncio.wait().
import asyncio


async def job(delay, fail):
    await asyncio.sleep(delay)
    if fail:
        raise ValueError("b failed")
    return delay


async def run(label, **kw):
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    tasks = [asyncio.create_task(job(d, f), name=n)
             for n, d, f in [("a", 0.1, False), ("b", 0.3, True), ("c", 0.5, False)]]
    done, pending = await asyncio.wait(tasks, **kw)
    names = " ".join(sorted(t.get_name() for t in done))
    print(f"{label}: done {len(done)} [{names}] pending {len(pending)} "
          f"{loop.time() - t0:.1f} pending-cancelled {any(t.cancelled() for t in pending)}")
    for t in pending:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def main():
    await run("FIRST_COMPLETED", return_when=asyncio.FIRST_COMPLETED)
    await run("FIRST_EXCEPTION", return_when=asyncio.FIRST_EXCEPTION)
    await run("ALL_COMPLETED", return_when=asyncio.ALL_COMPLETED)
    await run("timeout", timeout=0.2)


asyncio.run(main())
