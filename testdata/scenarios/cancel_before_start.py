# Checks: a task cancelled before it ever ran never executes its body (not even
# a try/finally in it); awaiting it raises CancelledError; cancelled() is True.
# Spec: "Coroutines and Tasks" -> Task.cancel(); Task Cancellation.
import asyncio


async def body():
    try:
        print("body ran (must not happen)")
        await asyncio.sleep(0)
    finally:
        print("body finally (must not happen)")


async def main():
    t = asyncio.create_task(body())
    print("cancel returned", t.cancel())
    print("done immediately", t.done())
    try:
        await t
    except asyncio.CancelledError:
        print("main caught CancelledError")
    print("cancelled", t.cancelled())
    print("done", t.done())


asyncio.run(main())
