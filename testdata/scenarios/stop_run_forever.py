# Checks: loop.stop() inside run_forever lets the current batch of callbacks
# finish, then run_forever returns; callbacks scheduled during that batch run on
# the next run_forever. stop() before run_forever runs one iteration then returns.
# Spec: "Event Loop" -> loop.run_forever() / loop.stop().
import asyncio

loop = asyncio.new_event_loop()


def a():
    print("a: calling stop")
    loop.stop()
    loop.call_soon(c)


def b():
    print("b: same batch, still runs")


def c():
    print("c: scheduled during stopped batch, runs on next run_forever")
    loop.stop()


loop.call_soon(a)
loop.call_soon(b)
loop.run_forever()
print("run_forever returned 1")
loop.run_forever()
print("run_forever returned 2")
loop.call_soon(print, "d: queued before stop()")
loop.stop()
loop.run_forever()
print("run_forever returned 3")
print("is_running", loop.is_running())
loop.close()
print("is_closed", loop.is_closed())
