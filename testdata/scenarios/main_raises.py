# Checks: if main raises, asyncio.run still cancels leftover tasks and lets their
# finally blocks run, then re-raises main's exception to the caller.
# Spec: "Runners" -> asyncio.run() ("cancels all remaining tasks ... before
# closing"; the coroutine's exception propagates).
import asyncio


async def leftover():
    try:
        print("leftover sleeping")
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        print("leftover cancelled")
        raise
    finally:
        print("leftover finally")


async def main():
    asyncio.create_task(leftover())
    await asyncio.sleep(0.1)
    print("main raising")
    raise ValueError("boom")


try:
    asyncio.run(main())
except ValueError as e:
    print("caught ValueError", e.args[0])
print("end")
