# Checks: when main returns, asyncio.run cancels all remaining tasks and runs the
# loop until their cleanup (finally blocks, even ones that await) has finished,
# before returning main's value. The cancellation order of leftover tasks is
# unspecified (CPython iterates a set), so events are recorded per task and printed after run.
# Spec: "Runners" -> asyncio.run() / Runner.close() ("cancel all remaining tasks").
import asyncio

events = {"t1": [], "t2": []}


async def forever(name, await_in_cleanup):
    try:
        while True:
            await asyncio.sleep(0.1)
    finally:
        events[name].append("cleanup-start")
        if await_in_cleanup:
            await asyncio.sleep(0)
        events[name].append("cleanup-end")


async def main():
    asyncio.create_task(forever("t1", False))
    asyncio.create_task(forever("t2", True))
    await asyncio.sleep(0.25)
    print("main returning")
    return 99


value = asyncio.run(main())
print("run returned", value)
for name in sorted(events):
    print(name, " ".join(events[name]))
