# Checks: when one gather child raises (return_exceptions=False) the exception is
# propagated to the awaiter immediately, but the other children are NOT cancelled
# and keep running to completion.
# Spec: "Coroutines and Tasks" -> asyncio.gather() ("If return_exceptions is False
# ... Other awaitables in the aws sequence won't be cancelled and will continue to run").
import asyncio


async def ok(name, delay, t0):
    loop = asyncio.get_running_loop()
    await asyncio.sleep(delay)
    print(f"{name} finished {loop.time() - t0:.1f}")
    return name


async def bad(t0):
    await asyncio.sleep(0.1)
    print("bad raising")
    raise ValueError("boom")


async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    try:
        await asyncio.gather(ok("a", 0.2, t0), bad(t0), ok("b", 0.3, t0))
    except ValueError as e:
        print(f"main caught ValueError {e.args[0]} {loop.time() - t0:.1f}")
    await asyncio.sleep(0.4)
    print(f"main end {loop.time() - t0:.1f}")


asyncio.run(main())
