# Checks: nested asyncio.timeout scopes: an inner timeout expiring raises
# TimeoutError only at the inner scope (outer continues, outer not expired);
# an outer timeout expiring while an inner, longer scope is active is reported by
# the outer scope only (inner sees CancelledError, inner.expired() is False).
# Spec: "Coroutines and Tasks" -> Timeouts -> asyncio.timeout() / Timeout.expired().
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    async with asyncio.timeout(0.5) as outer:
        try:
            async with asyncio.timeout(0.1) as inner:
                await asyncio.sleep(1)
        except TimeoutError:
            print(f"inner TimeoutError {loop.time() - t0:.1f}")
        print("inner expired", inner.expired(), "outer expired", outer.expired())
        await asyncio.sleep(0.1)
    print(f"outer body completed {loop.time() - t0:.1f}")

    t0 = loop.time()
    try:
        async with asyncio.timeout(0.1) as outer:
            try:
                async with asyncio.timeout(0.5) as inner:
                    await asyncio.sleep(1)
            except asyncio.CancelledError:
                print("inner scope let CancelledError through")
                raise
    except TimeoutError:
        print(f"outer TimeoutError {loop.time() - t0:.1f}")
    print("inner expired", inner.expired(), "outer expired", outer.expired())


asyncio.run(main())
