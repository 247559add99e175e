# Checks: `async with TaskGroup()` waits for all children (including ones created
# by other children) before exiting; creating a task in a finished group raises
# RuntimeError.
# Spec: "Coroutines and Tasks" -> Task Groups ("async with statement will wait for
# all tasks in the group to finish"); TaskGroup.create_task().
import asyncio


async def child(name, delay, t0, tg=None):
    loop = asyncio.get_running_loop()
    await asyncio.sleep(delay)
    print(f"{name} done {loop.time() - t0:.1f}")
    if tg is not None:
        tg.create_task(child(name + "-sub", 0.2, t0))
    return name


async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    async with asyncio.TaskGroup() as tg:
        t1 = tg.create_task(child("a", 0.2, t0))
        t2 = tg.create_task(child("b", 0.1, t0, tg))
        print("body done")
    print(f"group exited {loop.time() - t0:.1f} results {t1.result()} {t2.result()}")
    coro = child("late", 0, t0)
    try:
        tg.create_task(coro)
    except RuntimeError:
        print("create_task after exit: RuntimeError")
    coro.close()


asyncio.run(main())
