package webhook

import (
	"encoding/json"
	"reflect"
	"testing"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
)

// applyPatch applies ops with an independent RFC 6902 implementation.
func applyPatch(t *testing.T, doc []byte, ops []Operation) []byte {
	t.Helper()
	raw, err := json.Marshal(ops)
	if err != nil {
		t.Fatal(err)
	}
	p, err := jsonpatch.DecodePatch(raw)
	if err != nil {
		t.Fatalf("decode patch %s: %v", raw, err)
	}
	out, err := p.Apply(doc)
	if err != nil {
		t.Fatalf("apply patch %s: %v", raw, err)
	}
	return out
}

func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	x, err := decode(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}

func TestCreatePatch(t *testing.T) {
	cases := []struct {
		name, before, after string
		want                string // the exact patch
	}{
		{"equal", `{"a":1}`, `{"a":1}`, `null`},
		{"add key", `{"a":1}`, `{"a":1,"b":{"c":[1]}}`, `[{"op":"add","path":"/b","value":{"c":[1]}}]`},
		{"remove key", `{"a":1,"b":2}`, `{"a":1}`, `[{"op":"remove","path":"/b"}]`},
		{"replace with falsy values", `{"a":1,"b":true,"c":"x"}`, `{"a":0,"b":false,"c":null}`,
			`[{"op":"replace","path":"/a","value":0},{"op":"replace","path":"/b","value":false},{"op":"replace","path":"/c","value":null}]`},
		{"escaped keys", `{"m":{"a/b":"1","c~d":"2"}}`, `{"m":{"a/b":"3","c~d":"2","kruise.io/x":"y"}}`,
			`[{"op":"replace","path":"/m/a~1b","value":"3"},{"op":"add","path":"/m/kruise.io~1x","value":"y"}]`},
		{"prepend", `{"c":[{"n":"app"},{"n":"w"}]}`, `{"c":[{"n":"proxy"},{"n":"app"},{"n":"w"}]}`,
			`[{"op":"add","path":"/c/0","value":{"n":"proxy"}}]`},
		{"append", `{"c":[1,2]}`, `{"c":[1,2,3,4]}`, `[{"op":"add","path":"/c/2","value":3},{"op":"add","path":"/c/3","value":4}]`},
		{"insert in the middle", `{"c":[1,2]}`, `{"c":[1,9,2]}`, `[{"op":"add","path":"/c/1","value":9}]`},
		{"remove from the middle", `{"c":[1,9,8,2]}`, `{"c":[1,2]}`, `[{"op":"remove","path":"/c/2"},{"op":"remove","path":"/c/1"}]`},
		{"element changed in place", `{"c":[{"n":"a","i":"1"},{"n":"b"}]}`, `{"c":[{"n":"a","i":"2"},{"n":"b"}]}`,
			`[{"op":"replace","path":"/c/0/i","value":"2"}]`},
		{"both ends change", `{"c":[1,2,3]}`, `{"c":[0,2,4,5]}`,
			`[{"op":"replace","path":"/c/0","value":0},{"op":"replace","path":"/c/2","value":4},{"op":"add","path":"/c/3","value":5}]`},
		{"type change", `{"a":{"b":1}}`, `{"a":[1]}`, `[{"op":"replace","path":"/a","value":[1]}]`},
		{"large numbers kept", `{"a":1}`, `{"a":12345678901234567890}`, `[{"op":"replace","path":"/a","value":12345678901234567890}]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ops, err := CreatePatch([]byte(tc.before), []byte(tc.after))
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := json.Marshal(ops)
			if string(raw) != tc.want {
				t.Errorf("patch %s\nwant  %s", raw, tc.want)
			}
			if len(ops) == 0 {
				return
			}
			if got := applyPatch(t, []byte(tc.before), ops); !sameJSON(t, got, []byte(tc.after)) {
				t.Errorf("applying the patch gives %s, want %s", got, tc.after)
			}
		})
	}
}
