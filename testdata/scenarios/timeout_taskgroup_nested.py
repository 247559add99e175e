# Checks: asyncio.timeout(0.2) around a TaskGroup: at the deadline the body is
# cancelled, the group cancels its unfinished children and waits for them, then
# re-raises CancelledError, which the timeout turns into TimeoutError at 0.2.
# Spec: "Coroutines and Tasks" -> Task Groups; Timeouts -> asyncio.timeout().
import asyncio


async def child(name, delay, t0):
    loop = asyncio.get_running_loop()
    try:
        await asyncio.sleep(delay)
        print(f"{name} finished {loop.time() - t0:.1f}")
    except asyncio.CancelledError:
        print(f"{name} cancelled {loop.time() - t0:.1f}")
        raise


async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    try:
        async with asyncio.timeout(0.2):
            async with asyncio.TaskGroup() as tg:
                tg.create_task(child("short", 0.1, t0))
                tg.create_task(child("long", 1.0, t0))
                # silent: TaskGroup cancels children in set order (unspecified)
                quiet = tg.create_task(asyncio.sleep(1.0))
                print("body waiting")
    except TimeoutError:
        print(f"TimeoutError {loop.time() - t0:.1f}")
    print("quiet cancelled()", quiet.cancelled())
    print("main cancelling()", asyncio.current_task().cancelling())


asyncio.run(main())
