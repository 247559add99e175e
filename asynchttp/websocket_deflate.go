package asynchttp

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
)

// permessage-deflate (RFC 7692), the one WebSocket extension browsers and
// most libraries offer, negotiated when WebSocketOptions.Compression is set
// on both sides. It always runs without context takeover, both ways: each
// message is compressed and decompressed on its own (the server's answer
// says client_no_context_takeover and server_no_context_takeover; the
// client offers server_no_context_takeover), so no connection keeps a
// compressor's 32 KiB window (and ~1 MiB of state) between messages: the
// compressors are shared from a pool. A compressed message has RSV1 set on
// its first frame; its payload is the DEFLATE stream of the message, sync-
// flushed, without the final 00 00 FF FF (section 7.2.1). Decompression
// stops past MaxMessageBytes (close 1009), so a small frame cannot expand
// into an unbounded message.

const (
	deflateName = "permessage-deflate"
	// deflateAnswer is the server's acceptance.
	deflateAnswer = deflateName + "; server_no_context_takeover; client_no_context_takeover"
	// deflateOffer is the client's offer.
	deflateOffer = deflateName + "; server_no_context_takeover; client_no_context_takeover"
	rsv1         = 0x40
)

// extension is one element of a Sec-WebSocket-Extensions list: a name and
// its parameters in order (a parameter without a value has "").
type extension struct {
	name   string
	params [][2]string
}

// parseExtensions parses Sec-WebSocket-Extensions values (RFC 6455 section
// 9.1), leniently: quoted values lose their quotes.
func parseExtensions(values []string) []extension {
	var exts []extension
	for _, v := range values {
		for item := range strings.SplitSeq(v, ",") {
			parts := strings.Split(item, ";")
			name := strings.TrimSpace(parts[0])
			if name == "" {
				continue
			}
			e := extension{name: strings.ToLower(name)}
			for _, p := range parts[1:] {
				k, val, _ := strings.Cut(p, "=")
				e.params = append(e.params, [2]string{strings.ToLower(strings.TrimSpace(k)), strings.Trim(strings.TrimSpace(val), `"`)})
			}
			exts = append(exts, e)
		}
	}
	return exts
}

// acceptDeflate reports whether one of the client's offers of
// permessage-deflate can be accepted: each parameter known, none repeated,
// and no server_max_window_bits below 15 (compress/flate's window is
// always 32 KiB, so a smaller one cannot be promised).
func acceptDeflate(offers []extension) bool {
offers:
	for _, e := range offers {
		if e.name != deflateName {
			continue
		}
		seen := map[string]bool{}
		for _, p := range e.params {
			if seen[p[0]] {
				continue offers
			}
			seen[p[0]] = true
			switch p[0] {
			case "server_no_context_takeover", "client_no_context_takeover":
				if p[1] != "" {
					continue offers
				}
			case "client_max_window_bits": // we can decompress any window
				if p[1] != "" && !validWindowBits(p[1]) {
					continue offers
				}
			case "server_max_window_bits":
				if p[1] != "15" {
					continue offers
				}
			default:
				continue offers
			}
		}
		return true
	}
	return false
}

func validWindowBits(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 8 && n <= 15
}

// checkDeflateAnswer checks the server's Sec-WebSocket-Extensions against
// what the client offered (nothing, or deflateOffer) and reports whether
// permessage-deflate is on.
func checkDeflateAnswer(values []string, offered bool) (bool, error) {
	exts := parseExtensions(values)
	if len(exts) == 0 {
		return false, nil
	}
	if !offered || len(exts) != 1 || exts[0].name != deflateName {
		return false, errors.New("the server chose an extension that was not offered: " + strings.Join(values, ", "))
	}
	seen := map[string]bool{}
	for _, p := range exts[0].params {
		switch {
		case seen[p[0]]:
			return false, errors.New("permessage-deflate parameter " + p[0] + " repeated")
		case (p[0] == "server_no_context_takeover" || p[0] == "client_no_context_takeover") && p[1] == "":
		case p[0] == "server_max_window_bits" && validWindowBits(p[1]):
		default: // client_max_window_bits was not offered: the server may not send it
			return false, errors.New("unexpected permessage-deflate parameter " + p[0])
		}
		seen[p[0]] = true
	}
	if !seen["server_no_context_takeover"] {
		return false, errors.New("the server did not accept server_no_context_takeover")
	}
	return true, nil
}

var (
	compressors   = sync.Pool{New: func() any { w, _ := flate.NewWriter(nil, flate.BestSpeed); return w }}
	decompressors = sync.Pool{New: func() any { return flate.NewReader(nil) }}
)

// deflateTail ends a message's DEFLATE stream for decompression: the
// 00 00 FF FF the sender removed, then an empty final stored block, so the
// reader reaches a clean end.
var deflateTail = []byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff}

// sliceWriter appends what is written to b.
type sliceWriter struct{ b []byte }

func (s *sliceWriter) Write(p []byte) (int, error) { s.b = append(s.b, p...); return len(p), nil }

// compress appends data's compressed payload (section 7.2.1) to dst.
func compress(dst, data []byte) []byte {
	w := compressors.Get().(*flate.Writer)
	sw := &sliceWriter{b: dst}
	w.Reset(sw)
	w.Write(data)
	w.Flush()
	compressors.Put(w)
	return bytes.TrimSuffix(sw.b, deflateTail[:4])
}

// decompress inflates a message's payload; past max bytes it fails with
// close 1009, and a payload that is not DEFLATE with close 1007.
func decompress(payload []byte, max int64) ([]byte, error) {
	r := decompressors.Get().(io.ReadCloser)
	defer decompressors.Put(r)
	r.(flate.Resetter).Reset(io.MultiReader(bytes.NewReader(payload), bytes.NewReader(deflateTail)), nil)
	out, err := io.ReadAll(io.LimitReader(r, max+1))
	switch {
	case err != nil:
		return nil, protocolErrorf(CloseInvalidPayload, "a compressed message does not inflate: %v", err)
	case int64(len(out)) > max:
		return nil, protocolErrorf(CloseMessageTooBig, "message over %d bytes once decompressed", max)
	}
	return out, nil
}
