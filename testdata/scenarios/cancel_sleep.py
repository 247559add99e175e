# Checks: Task.cancel() on a sleeping task throws CancelledError at its await;
# the task may await during cleanup (sleep 0.1) and then re-raise; awaiting the
# task raises CancelledError only after cleanup; task.cancelled() is True.
# Spec: "Coroutines and Tasks" -> Task Cancellation; Task.cancel().
import asyncio


async def sleeper(t0):
    loop = asyncio.get_running_loop()
    try:
        print("sleeper start")
        await asyncio.sleep(1)
        print("sleeper not reached")
    except asyncio.CancelledError:
        print(f"sleeper caught CancelledError {loop.time() - t0:.1f}")
        await asyncio.sleep(0.1)
        print(f"sleeper cleanup done {loop.time() - t0:.1f}")
        raise


async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    t = asyncio.create_task(sleeper(t0))
    await asyncio.sleep(0.1)
    print("cancel returned", t.cancel())
    print("done right after cancel", t.done())
    try:
        await t
    except asyncio.CancelledError:
        print(f"main caught CancelledError {loop.time() - t0:.1f}")
    print("cancelled", t.cancelled())


asyncio.run(main())
