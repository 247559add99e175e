# Checks: awaiting a finished task returns its result immediately without
# suspending (a ready task that only prints when main yields stays silent), and
# a task can be awaited any number of times with the same value.
# Spec: "Coroutines and Tasks" -> Awaitables / Task.result(); "Futures" -> Future.result().
import asyncio


async def compute():
    await asyncio.sleep(0.1)
    return 42


async def marker():
    print("marker ran (main suspended)")


async def main():
    t = asyncio.create_task(compute())
    v0 = await t
    print("first await", v0)
    asyncio.create_task(marker())
    v1 = await t
    v2 = await t
    print("second and third await", v1, v2, "result()", t.result())
    print("main yields now")
    await asyncio.sleep(0)
    print("main end")


asyncio.run(main())
