// Package service is examples/webapp's web service: a JSON API over an
// in-memory store and a WebSocket chat room, as one http.Handler meant to
// be served on the loop (asynchttp), where handlers never run at once, so
// its maps need no mutex. bench/http serves its API with net/http too,
// behind one mutex, to compare the two servers on the same handlers.
package service

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// App is the service's state. Every handler runs on the loop, one at a
// time between awaits, so the maps and counters need no mutex.
type App struct {
	notes    map[int]Note
	nextID   int
	requests int
	room     *Room
}

// Note is what the API stores.
type Note struct {
	ID      int       `json:"id"`
	Text    string    `json:"text"`
	Created time.Time `json:"created"`
}

// NewApp returns an empty service.
func NewApp() *App { return &App{notes: map[int]Note{}, nextID: 1, room: NewRoom()} }

// Add stores a note (what POST /api/notes does, without telling the chat).
func (a *App) Add(text string) Note {
	n := Note{ID: a.nextID, Text: text, Created: time.Now().UTC()}
	a.notes[n.ID] = n
	a.nextID++
	return n
}

// Chatters is the number of chat members.
func (a *App) Chatters() int { return a.room.Len() }

// CloseChat tells every chat member the server is going away (close 1001)
// and waits for the closing handshakes.
func (a *App) CloseChat(ctx context.Context, reason string) { a.room.CloseAll(ctx, reason) }

// Handler routes the API and the chat.
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/notes", a.listNotes)
	mux.HandleFunc("POST /api/notes", a.addNote)
	mux.HandleFunc("GET /api/notes/{id}", a.getNote)
	mux.HandleFunc("DELETE /api/notes/{id}", a.deleteNote)
	mux.HandleFunc("GET /api/stats", a.stats)
	mux.HandleFunc("GET /chat", a.room.Join)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.requests++
		mux.ServeHTTP(w, r)
	})
}

func (a *App) listNotes(w http.ResponseWriter, r *http.Request) {
	list := make([]Note, 0, len(a.notes))
	for id := 1; id < a.nextID; id++ {
		if n, ok := a.notes[id]; ok {
			list = append(list, n)
		}
	}
	writeJSON(w, http.StatusOK, list)
}

func (a *App) addNote(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Text string `json:"text"`
	}
	// The body is read by this task: a slow client suspends it, not the loop.
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&in); err != nil || in.Text == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": `want {"text": "..."}`})
		return
	}
	n := a.Add(in.Text)
	a.room.Broadcast(r.Context(), "server", "new note #"+strconv.Itoa(n.ID)+": "+n.Text)
	writeJSON(w, http.StatusCreated, n)
}

func (a *App) getNote(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(r.PathValue("id"))
	n, ok := a.notes[id]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such note"})
		return
	}
	writeJSON(w, http.StatusOK, n)
}

func (a *App) deleteNote(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(r.PathValue("id"))
	if _, ok := a.notes[id]; !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such note"})
		return
	}
	delete(a.notes, id)
	w.WriteHeader(http.StatusNoContent)
}

func (a *App) stats(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]int{"notes": len(a.notes), "chatters": a.room.Len(), "requests": a.requests})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
