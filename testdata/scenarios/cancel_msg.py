# Checks: Task.cancel(msg) delivers msg as args[0] of the CancelledError thrown
# into the task; when the task re-raises it, an awaiter sees the same message.
# A cancel without msg has empty args.
# Spec: "Coroutines and Tasks" -> Task.cancel() ("Changed in version 3.9: Added the msg parameter").
import asyncio


async def worker(name):
    try:
        await asyncio.sleep(1)
    except asyncio.CancelledError as e:
        print(name, "caught, args:", len(e.args), e.args[0] if e.args else "-")
        raise


async def main():
    t = asyncio.create_task(worker("w1"))
    await asyncio.sleep(0.1)
    t.cancel("stop now")
    try:
        await t
    except asyncio.CancelledError as e:
        print("main caught, args:", len(e.args), e.args[0] if e.args else "-")
    t = asyncio.create_task(worker("w2"))
    await asyncio.sleep(0.1)
    t.cancel()
    try:
        await t
    except asyncio.CancelledError as e:
        print("main caught, args:", len(e.args), e.args[0] if e.args else "-")


asyncio.run(main())
