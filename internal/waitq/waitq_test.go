package waitq

import "testing"

// FuzzQueue checks the queue against a slice model under random pushes, pops
// and removals from the middle.
func FuzzQueue(f *testing.F) {
	f.Add([]byte{0, 0, 0, 2, 1, 1, 2, 0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		var q Queue[int]
		nodes := make([]Node[int], 16)
		for i := range nodes {
			nodes[i].Value = i
		}
		var model []int
		for i := 0; i+1 < len(ops); i += 2 {
			k := int(ops[i+1]) % len(nodes)
			switch ops[i] % 3 {
			case 0:
				if nodes[k].Queued() {
					continue
				}
				q.PushBack(&nodes[k])
				model = append(model, k)
			case 1:
				n := q.PopFront()
				if (n == nil) != (len(model) == 0) || (n != nil && n.Value != model[0]) {
					t.Fatal("pop disagrees with model")
				}
				if n != nil {
					model = model[1:]
				}
			case 2:
				was := nodes[k].Unlink()
				found := false
				for j, v := range model {
					if v == k {
						model = append(model[:j], model[j+1:]...)
						found = true
						break
					}
				}
				if was != found {
					t.Fatal("unlink disagrees with model")
				}
			}
			if s := q.Check(); s != "" || q.Len() != len(model) {
				t.Fatalf("%s len=%d model=%d", s, q.Len(), len(model))
			}
		}
	})
}

func TestDoublePushPanics(t *testing.T) {
	var q Queue[int]
	var n Node[int]
	q.PushBack(&n)
	defer func() {
		if recover() == nil {
			t.Fatal("second PushBack of a queued node must panic")
		}
	}()
	q.PushBack(&n)
}
