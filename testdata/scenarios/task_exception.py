# Checks: a task whose coroutine raises ends done (not cancelled); awaiting it
# re-raises the same exception object every time; exception() returns it;
# result() raises it.
# Spec: "Coroutines and Tasks" -> Task.result() / Task.exception().
import asyncio


async def bad():
    await asyncio.sleep(0.1)
    raise ValueError("bad value")


async def main():
    t = asyncio.create_task(bad())
    seen = []
    for _ in range(2):
        try:
            await t
        except ValueError as e:
            seen.append(e)
            print("await raised ValueError", e.args[0])
    print("same object", seen[0] is seen[1] and seen[0] is t.exception())
    print("done", t.done(), "cancelled", t.cancelled())
    try:
        t.result()
    except ValueError:
        print("result() raised ValueError")


asyncio.run(main())
