package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/asyncio-go/asyncio"
)

// runDemo: alice and bob chat while "sleepy" joins and never reads. Bob
// floods the room; sleepy's buffers fill and its outbox overflows, yet alice
// receives everything promptly: a slow client stalls only its own writer.
func runDemo(ctx context.Context, port int) error {
	l := asyncio.GetEventLoop()
	start := l.Time()
	join := func(nick string, read bool) (*asyncio.StreamWriter, *asyncio.Task[int], error) {
		r, w, err := asyncio.OpenConnection(ctx, "127.0.0.1", port)
		if err != nil {
			return nil, nil, err
		}
		w.Write([]byte(nick + "\n"))
		if !read {
			return w, nil, w.Drain(ctx)
		}
		reader := asyncio.CreateTask(ctx, func(ctx context.Context) (int, error) {
			floods := 0
			for {
				line, err := r.ReadLine(ctx)
				if err != nil {
					return floods, nil
				}
				text := strings.TrimSpace(string(line))
				if strings.HasPrefix(text, "<bob> flood") {
					floods++
					continue
				}
				fmt.Printf("[%5.0fms] %-5s sees: %s\n", float64(l.Time()-start)/1e6, nick, text)
			}
		}, "reader "+nick)
		return w, reader, w.Drain(ctx)
	}
	sleepy, _, err := join("sleepy", false) // never reads a byte
	if err != nil {
		return err
	}
	defer sleepy.Close()
	alice, aliceR, err := join("alice", true)
	if err != nil {
		return err
	}
	bob, bobR, err := join("bob", true)
	if err != nil {
		return err
	}
	say := func(w *asyncio.StreamWriter, text string) {
		w.Write([]byte(text + "\n"))
		w.Drain(ctx)
		asyncio.Sleep(ctx, 20*time.Millisecond) // let the room relay it
	}
	say(alice, "hi bob")
	for i := 0; i < 2000; i++ { // ~2 MB towards sleepy, who reads nothing
		bob.Write([]byte(fmt.Sprintf("flood %d %s\n", i, strings.Repeat("x", 1000))))
		bob.Drain(ctx)
	}
	say(alice, "sleepy is not holding us up")
	say(alice, "/who")
	say(bob, "/quit")
	say(alice, "/quit")
	n, _ := aliceR.Await(ctx)
	bobR.Await(ctx)
	fmt.Printf("alice received %d of 2000 flood lines; sleepy read nothing, its outbox filled, and it was skipped\n", n)
	alice.Close()
	bob.Close()
	return nil
}
