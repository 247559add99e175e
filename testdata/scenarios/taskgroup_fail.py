# Checks: when a TaskGroup child fails, the remaining children and the body of
# the async with are cancelled; errors raised by children while being cancelled
# are collected too; the group raises ExceptionGroup (printed: sorted type names).
# Spec: "Coroutines and Tasks" -> Task Groups ("The first time any of the tasks
# ... fails with an exception other than CancelledError, the remaining tasks ... are cancelled").
import asyncio


async def fails(t0):
    await asyncio.sleep(0.1)
    print("fails raising ValueError")
    raise ValueError("v")


async def bad_cleanup():
    try:
        await asyncio.sleep(1)
    except asyncio.CancelledError:
        print("bad_cleanup cancelled, raising RuntimeError")
        raise RuntimeError("r")


async def quiet():
    # Silent on purpose: TaskGroup cancels children by iterating a set, so the
    # relative order of two children's cancellation handlers is unspecified.
    await asyncio.sleep(1)


async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(fails(t0))
            tg.create_task(bad_cleanup())
            q = tg.create_task(quiet())
            try:
                await asyncio.sleep(1)
            except asyncio.CancelledError:
                print("body cancelled")
                raise
    except ExceptionGroup as eg:
        names = sorted(type(e).__name__ for e in eg.exceptions)
        print(f"ExceptionGroup {len(names)}: {' '.join(names)} {loop.time() - t0:.1f}")
    print("quiet cancelled()", q.cancelled(), "main cancelling()",
          asyncio.current_task().cancelling())


asyncio.run(main())
