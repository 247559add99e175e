# Checks: add_done_callback callbacks are scheduled with call_soon when the task
# completes (not called inline), run in registration order, before the awaiting
# task resumes if registered first; also for a cancelled task; adding a callback
# to a done task schedules it soon; remove_done_callback returns count removed.
# Spec: "Coroutines and Tasks" -> Task.add_done_callback(); "Futures" -> Future.add_done_callback().
import asyncio


def make_cb(name):
    def cb(t):
        if t.cancelled():
            print(name, "sees cancelled")
        else:
            print(name, "sees result", t.result())
    return cb


async def work():
    await asyncio.sleep(0.1)
    print("work returning")
    return 7


async def main():
    t = asyncio.create_task(work())
    t.add_done_callback(make_cb("cb1"))
    t.add_done_callback(make_cb("cb2"))
    removed = make_cb("cb3")
    t.add_done_callback(removed)
    print("removed count", t.remove_done_callback(removed))
    await t
    print("main resumed")
    t.add_done_callback(make_cb("late"))
    print("after adding late callback")
    await asyncio.sleep(0)
    c = asyncio.create_task(asyncio.sleep(1))
    c.add_done_callback(make_cb("ccb1"))
    c.add_done_callback(make_cb("ccb2"))
    await asyncio.sleep(0.1)
    c.cancel()
    print("cancel called")
    try:
        await c
    except asyncio.CancelledError:
        print("main saw c cancelled")
    print("main end")


asyncio.run(main())
