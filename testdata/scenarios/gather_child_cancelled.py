# Checks: if a gather child (not gather itself) is cancelled, gather raises
# CancelledError to its awaiter (the awaiting task itself was not cancelled);
# with return_exceptions=True the CancelledError appears in the result list.
# Spec: "Coroutines and Tasks" -> asyncio.gather() ("If any Task or Future from the
# aws sequence is cancelled, it is treated as if it raised CancelledError").
import asyncio


async def val(v, delay):
    await asyncio.sleep(delay)
    return v


async def main():
    victim = asyncio.create_task(val("x", 1))
    asyncio.get_running_loop().call_later(0.1, victim.cancel)
    try:
        await asyncio.gather(val(1, 0.2), victim)
    except asyncio.CancelledError:
        print("gather raised CancelledError; main cancelling()",
              asyncio.current_task().cancelling())
    victim = asyncio.create_task(val("x", 1))
    asyncio.get_running_loop().call_later(0.1, victim.cancel)
    res = await asyncio.gather(val(1, 0.2), victim, return_exceptions=True)
    print("results", res[0], type(res[1]).__name__)


asyncio.run(main())
