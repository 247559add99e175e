# Checks: `async with asyncio.timeout(0.2)` cancels the body at the deadline and
# converts the CancelledError into TimeoutError raised from the async with;
# expired() reports it; reschedule() moves the deadline so the body completes;
# timeout(None) never expires (when() is None).
# Spec: "Coroutines and Tasks" -> Timeouts -> asyncio.timeout(), Timeout.reschedule()/expired()/when().
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    try:
        async with asyncio.timeout(0.2) as cm:
            try:
                await asyncio.sleep(1)
            except asyncio.CancelledError:
                print(f"body cancelled {loop.time() - t0:.1f}")
                raise
    except TimeoutError:
        print(f"caught TimeoutError {loop.time() - t0:.1f}")
    print("expired", cm.expired())

    t0 = loop.time()
    async with asyncio.timeout(0.1) as cm:
        cm.reschedule(loop.time() + 0.3)
        await asyncio.sleep(0.2)
        print(f"work completed {loop.time() - t0:.1f}")
    print("expired", cm.expired())

    async with asyncio.timeout(None) as cm:
        print("when is None", cm.when() is None)
        await asyncio.sleep(0.1)
    print("expired", cm.expired())


asyncio.run(main())
