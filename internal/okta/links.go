package okta

import "strings"

// parseLinkHeader reads Link header values (RFC 8288) and returns the target
// of each relation type. Okta sends one header line per relation, but a line
// may also hold several comma-separated links; both forms are read. The first
// link given for a relation wins. Malformed parts are skipped.
func parseLinkHeader(values []string) map[string]string {
	out := map[string]string{}
	for _, v := range values {
		s := v
		for {
			lt := strings.IndexByte(s, '<')
			if lt < 0 {
				break
			}
			gt := strings.IndexByte(s[lt+1:], '>')
			if gt < 0 {
				break
			}
			target := strings.TrimSpace(s[lt+1 : lt+1+gt])
			s = s[lt+1+gt+1:]
			params, rest := splitLinkParams(s)
			s = rest
			if target == "" || strings.ContainsAny(target, "<> \t") {
				// Not a URI reference.
				continue
			}
			for _, rel := range strings.Fields(params["rel"]) {
				rel = strings.ToLower(rel)
				if _, seen := out[rel]; !seen {
					out[rel] = target
				}
			}
		}
	}
	return out
}

// splitLinkParams reads `; key=value; key="quoted, value"` up to the comma
// that ends one link, and returns the parameters and what follows the comma.
func splitLinkParams(s string) (map[string]string, string) {
	params := map[string]string{}
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return params, ""
		}
		switch s[0] {
		case ',':
			return params, s[1:]
		case ';':
			s = s[1:]
		default:
			// Junk between parameters: skip to the next separator.
			i := strings.IndexAny(s, ";,")
			if i < 0 {
				return params, ""
			}
			s = s[i:]
			continue
		}
		s = strings.TrimLeft(s, " \t")
		end := strings.IndexAny(s, "=;,")
		if end < 0 {
			return params, ""
		}
		key := strings.ToLower(strings.TrimSpace(s[:end]))
		if s[end] != '=' {
			s = s[end:]
			continue
		}
		s = strings.TrimLeft(s[end+1:], " \t")
		var val string
		if strings.HasPrefix(s, `"`) {
			val, s = readQuoted(s[1:])
		} else {
			i := strings.IndexAny(s, ";,")
			if i < 0 {
				val, s = s, ""
			} else {
				val, s = s[:i], s[i:]
			}
			val = strings.TrimSpace(val)
		}
		if _, dup := params[key]; !dup && key != "" {
			params[key] = val
		}
	}
}

// readQuoted reads a quoted-string body (after the opening quote) with
// backslash escapes and returns it and the rest after the closing quote.
func readQuoted(s string) (string, string) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), s[i+1:]
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), ""
}
