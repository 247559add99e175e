# Checks: cancelling a task that awaits asyncio.shield(inner) raises CancelledError
# in that task immediately, but inner is not cancelled and runs to completion; its
# result is still available by awaiting inner directly.
# Spec: "Coroutines and Tasks" -> Shielding From Cancellation -> asyncio.shield().
import asyncio


async def inner(t0):
    loop = asyncio.get_running_loop()
    await asyncio.sleep(0.2)
    print(f"inner completed {loop.time() - t0:.1f}")
    return "inner-value"


async def outer(it, t0):
    loop = asyncio.get_running_loop()
    try:
        return await asyncio.shield(it)
    except asyncio.CancelledError:
        print(f"outer cancelled {loop.time() - t0:.1f}")
        raise


async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    it = asyncio.create_task(inner(t0))
    ot = asyncio.create_task(outer(it, t0))
    await asyncio.sleep(0.1)
    ot.cancel()
    try:
        await ot
    except asyncio.CancelledError:
        print("main: outer cancelled", ot.cancelled(), "inner done", it.done())
    v = await it
    print(f"main: inner result {v} {loop.time() - t0:.1f} inner cancelled {it.cancelled()}")


asyncio.run(main())
