package okta

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fastCases are bodies the bulk decoders must read exactly as
// encoding/json does, or refuse as it does.
var fastCases = []string{
	`[]`,
	`null`,
	` [ ] `,
	`[{"id":"00u1","status":"ACTIVE","profile":{"login":"a@example.com","n":12.5,"big":12345678901234567890,"neg":-0.5e-3,"b":true,"f":false,"z":null,"arr":["x",1,null,[true]],"obj":{"k":"v"}},"_links":{"self":{"href":"https://x/api/v1/users/00u1"}},"credentials":{"provider":{"type":"OKTA"}}}]`,
	`[{"id":"00u2","status":"STAGED","transitioningToStatus":"ACTIVE","profile":{"login":"Ünïcødé@example.com","title":"caf\u00e9 \"quoted\" \\ \/ \b\f\n\r\t \ud83d\ude00","emoji":"😀"}}]`,
	`[{"id":"00u3","status":null,"transitioningToStatus":null,"profile":null}]`,
	`[{"id":"00u4","profile":{"a":1},"profile":{"b":2}}]`,
	`[{"id":"00u5","profile":{"a":1},"profile":null}]`,
	`[{"id":"00u6","status":"ACTIVE","profile":{"k\u00e9y":"v","login":"x"}},{"id":"00u7","status":"ACTIVE","profile":{}}]`,
	`[{"ID":"upper","Status":"X","PROFILE":{"login":"case"}}]`,
	`[{"\u0069d":"escaped key"}]`,
	`[{"profile":{"login":"a"},"_embedded":{"x":[1,2,{"y":[]}]},"lastLogin":null,"n":-0,"e":1E+2}]`,
	"[{\"id\":\"00u8\",\n\t\"status\" : \"ACTIVE\" ,\r\n \"profile\" : { \"login\" : \"ws@example.com\" } } ]\n",
	`[{"id":"\ud800","profile":{"bad":"\udc00x"}}]`,
	"[{\"id\":\"\xff\xfe\",\"profile\":{\"login\":\"a\xffb\"}}]",
	`[{"id":"00u9","profile":{"login":"x","n":1,"obj":{"s":"v"}}},{"id":"00u10"},{"id":"00u11","profile":{"b":true}}]`,
	`[{"id":"00u12","profile":{"login":"a","n":1},"profile":null,"profile":{"n":2}}]`,
	`[{"id":"00u13","profile":{"login":"a"},"status":"ACTIVE","profile":{"login":"b"}}]`,
	// Invalid: each must fail as encoding/json fails.
	`[`,
	`[{"id":"a"}`,
	`[{"id":"a"},]`,
	`[{"id":1}]`,
	`[{"id":"a","profile":"x"}]`,
	`[{"id":"a" "status":"b"}]`,
	`[{"id":"a"}] x`,
	`[{"profile":{"n":01}}]`,
	`[{"profile":{"n":1.}}]`,
	`[{"profile":{"n":1e}}]`,
	`[{"profile":{"n":1e400}}]`,
	`[{"profile":{"s":"tab	in string"}}]`,
	`[{"_links":{"a" 1}}]`,
	`[{"_links":[1 2]}]`,
	`[{"x":tru}]`,
	`[{"x":"unterminated}]`,
	`{"id":"not a list"}`,
	`[null]`,
	`["string"]`,
}

func TestFastDecodeMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, body := range fastCases {
		checkFastUsers(t, []byte(body))
		checkFastMembers(t, []byte(body))
	}
}

func checkFastUsers(t *testing.T, body []byte) {
	t.Helper()
	var want, got []*BasicUser
	wantErr := json.Unmarshal(body, &want)
	gotErr := decodeBody(body, &got)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("users %q: error %v, encoding/json's %v", body, gotErr, wantErr)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("users %q (-encoding/json +by hand):\n%s", body, diff)
	}
}

func checkFastMembers(t *testing.T, body []byte) {
	t.Helper()
	var want, got []*Member
	wantErr := json.Unmarshal(body, &want)
	gotErr := decodeBody(body, &got)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("members %q: error %v, encoding/json's %v", body, gotErr, wantErr)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("members %q (-encoding/json +by hand):\n%s", body, diff)
	}
}

// The hand decoders take the real pages, and not by falling back.
func TestFastDecodeTakesPages(t *testing.T) {
	t.Parallel()
	body := []byte(fastCases[3])
	if _, err := decodeBasicUsers(body); err != nil {
		t.Errorf("decodeBasicUsers refused a plain page: %v", err)
	}
	if _, err := decodeMembers(body); err != nil {
		t.Errorf("decodeMembers refused a plain page: %v", err)
	}
}

func FuzzFastDecode(f *testing.F) {
	for _, c := range fastCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkFastUsers(t, body)
		checkFastMembers(t, body)
		// The borrowed decoders, each after a plain page, so that the
		// body is decoded into what that page left.
		members := memberRefDecoder(new([]MemberRef))
		all, kept := newUserViews(nil), newUserViews(keptAttrs)
		for _, b := range [][]byte{[]byte(fastCases[3]), body} {
			checkBorrowedMembers(t, members, b)
			checkBorrowedUsers(t, all, nil, b)
			checkBorrowedUsers(t, kept, keptAttrs, b)
		}
	})
}

// plainWord says yes exactly when none of eight bytes is special, for
// every byte value at every place in the word.
func TestPlainWord(t *testing.T) {
	t.Parallel()
	for _, fill := range []byte{'a', ' ', '~', '!', '#', '[', ']'} {
		for pos := range 8 {
			for c := range 256 {
				w := []byte(strings.Repeat(string(fill), 8))
				w[pos] = byte(c)
				if got, want := plainWord(w), !special[c]; got != want {
					t.Fatalf("plainWord(%q) = %v, want %v", w, got, want)
				}
			}
		}
	}
}

func TestOtherFoldsAsEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		key  string
		kept bool // encoding/json would take it for "status" or "id"
	}{
		{"status", true}, {"STATUS", true}, {"sTaTuS", true}, {"\u017ftatus", true}, {"id", true}, {"iD", true},
		{"statu", false}, {"statuses", false}, {"st@tus", false}, {"i", false}, {"ids", false}, {"\u212aid", false},
	} {
		for _, plain := range []bool{true, false} {
			if plain && strings.ContainsFunc(tt.key, func(r rune) bool { return r >= 0x80 }) {
				continue
			}
			s := &scanner{b: []byte(`1`), keyPlain: plain}
			err := s.other([]byte(tt.key), "status", "id")
			if (err == errFast) != tt.kept {
				t.Errorf("other(%q, plain %v) = %v, want kept %v", tt.key, plain, err, tt.kept)
			}
		}
	}
}
