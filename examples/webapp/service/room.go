package service

import (
	"context"
	"errors"
	"net/http"

	"github.com/asyncio-go/asyncio"
	"github.com/asyncio-go/asyncio/asynchttp"
)

// Room is a chat room: every text message a member sends goes to every
// member. Each member has a bounded outbox drained by its own writer task,
// so one slow reader never holds up the others: when its outbox is full it
// is dropped.
type Room struct {
	members map[*member]struct{}
}

type member struct {
	name   string
	ws     *asynchttp.WebSocket
	outbox *asyncio.Queue[string]
}

// outboxSize is how many messages a member may fall behind before it is
// dropped.
const outboxSize = 64

// NewRoom returns an empty room.
func NewRoom() *Room { return &Room{members: map[*member]struct{}{}} }

// Len is the number of members.
func (rm *Room) Len() int { return len(rm.members) }

// Join is the /chat handler: it upgrades the connection and serves the
// member until it leaves.
func (rm *Room) Join(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	if name == "" {
		name = "anonymous"
	}
	ws, err := asynchttp.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade answered the client
	}
	m := &member{name: name, ws: ws, outbox: asyncio.NewQueue[string](outboxSize)}
	rm.members[m] = struct{}{}
	rm.Broadcast(r.Context(), "server", name+" joined")
	asyncio.WithTaskGroup(r.Context(), func(ctx context.Context, tg *asyncio.TaskGroup) error {
		asyncio.GroupTask(tg, func(ctx context.Context) (any, error) { return nil, m.write(ctx) }, "chat writer "+name)
		err := m.read(ctx, rm)
		m.outbox.Shutdown(false) // the writer sends what is queued, then ends
		return err
	})
	delete(rm.members, m)
	rm.Broadcast(r.Context(), "server", name+" left")
}

// read broadcasts the member's messages until it closes.
func (m *member) read(ctx context.Context, rm *Room) error {
	for {
		typ, msg, err := m.ws.ReadMessage(ctx)
		if err != nil {
			var closed *asynchttp.CloseError
			if errors.As(err, &closed) {
				return nil
			}
			return err
		}
		if typ == asynchttp.TextMessage {
			rm.Broadcast(ctx, m.name, string(msg))
		}
	}
}

// write sends the outbox until it is shut down.
func (m *member) write(ctx context.Context) error {
	for {
		msg, err := m.outbox.Get(ctx)
		if errors.Is(err, asyncio.ErrQueueShutDown) {
			return nil
		} else if err != nil {
			return err
		}
		if err := m.ws.WriteMessage(ctx, asynchttp.TextMessage, []byte(msg)); err != nil {
			return err
		}
	}
}

// Broadcast queues "from: text" for every member; a member whose outbox is
// full is dropped (its connection closed), never waited for.
func (rm *Room) Broadcast(ctx context.Context, from, text string) {
	for m := range rm.members {
		if err := m.outbox.TryPut(from + ": " + text); err != nil {
			delete(rm.members, m)
			m.outbox.Shutdown(true)
			asyncio.CreateTask(ctx, func(ctx context.Context) (any, error) {
				return nil, m.ws.Close(ctx, asynchttp.CloseGoingAway, "too slow")
			})
		}
	}
}

// CloseAll tells every member the server is going away and waits for the
// closing handshakes (each bounded by the WebSocket's CloseTimeout).
func (rm *Room) CloseAll(ctx context.Context, reason string) {
	var closes []func(context.Context) (any, error)
	for m := range rm.members {
		closes = append(closes, func(ctx context.Context) (any, error) {
			return nil, m.ws.Close(ctx, asynchttp.CloseGoingAway, reason)
		})
	}
	asyncio.GatherAll(ctx, closes...)
}
