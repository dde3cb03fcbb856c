package render

import (
	"strings"
	"testing"
)

func TestEngineRender(t *testing.T) {
	t.Parallel()
	data := map[string]any{"values": map[string]any{
		"name":      "flight-events",
		"publicApi": true,
		"off":       false,
		"budget":    int64(50),
		"ratio":     1.5,
		"whole":     float64(3),
		"tags":      []any{"a", "b"},
		"empty":     []any{},
		"obj":       map[string]any{"k": "v", "n": int64(1)},
		"quote":     "say \"hi\" <b> & \\",
		"repoUrl":   "github.com?owner=acme&repo=flight-events",
		"title":     "hello big-world",
	}}
	tests := []struct {
		name, src, want string
	}{
		{"plain_text_untouched", "a {{ x }} b\n", "a {{ x }} b\n"},
		{"variable", "${{ values.name }}", "flight-events"},
		{"trailing_newline_kept", "${{ values.name }}\n", "flight-events\n"},
		{"bool_prints_like_javascript", "${{ values.publicApi }} ${{ values.off }}", "true false"},
		{"numbers_print_like_javascript", "${{ values.budget }} ${{ values.ratio }} ${{ values.whole }} ${{ 6 / 2 }} ${{ 7 / 2 }}", "50 1.5 3 3 3.5"},
		{"array_prints_joined", "${{ values.tags }}", "a,b"},
		{"object_prints_object", "${{ values.obj }}", "[object Object]"},
		{"undefined_is_empty", "[${{ values.missing }}]", "[]"},
		{"undefined_member_of_undefined_is_empty", "[${{ values.missing.deep.er }}][${{ nothing.at.all }}][${{ values.tags[7] }}]", "[][][]"},
		{"item_lookup", "${{ values['name'] }} ${{ values.tags[1] }} ${{ values.obj['k'] }}", "flight-events b v"},
		{"length_property", "${{ values.tags.length }}", "2"},
		{"dump_string", "${{ values.name | dump }}", `"flight-events"`},
		{"dump_escapes_like_json_stringify", "${{ values.quote | dump }}", `"say \"hi\" <b> & \\"`},
		{"dump_bool_and_number", "${{ values.publicApi | dump }} ${{ values.budget | dump }}", "true 50"},
		{"dump_object_sorted", "${{ values.obj | dump }}", `{"k":"v","n":1}`},
		{"dump_indent", "${{ values.tags | dump(2) }}", "[\n  \"a\",\n  \"b\"\n]"},
		{"dump_undefined_is_empty", "[${{ values.missing | dump }}]", "[]"},
		{"parse_repo_url", "${{ (values.repoUrl | parseRepoUrl).owner }}/${{ (values.repoUrl | parseRepoUrl).repo }}@${{ (values.repoUrl | parseRepoUrl).host }}", "acme/flight-events@github.com"},
		{"parse_repo_url_dump", "${{ values.repoUrl | parseRepoUrl | dump }}", `{"host":"github.com","owner":"acme","repo":"flight-events"}`},
		{"project_slug", "${{ values.repoUrl | projectSlug }}", "acme/flight-events"},
		{"pick", "${{ values | pick('obj.k') }}", "v"},
		{"lower_upper", "${{ 'AbC' | lower }}${{ 'AbC' | upper }}", "abcABC"},
		{"replace_all", "${{ values.name | replace('-', '_') }}", "flight_events"},
		{"replace_max_count", "${{ 'a-b-c' | replace('-', '+', 1) }}", "a+b-c"},
		{"default_replaces_undefined_only", "${{ values.missing | default('d') }} ${{ values.off | default('d') }} ${{ values.off | default('d', true) }}", "d false d"},
		{"trim", "[${{ '  x  ' | trim }}]", "[x]"},
		{"length", "${{ values.tags | length }} ${{ values.name | length }} ${{ values.obj | length }} ${{ values.missing | length }}", "2 13 2 0"},
		{"join", "${{ values.tags | join('-') }} ${{ values.tags | join }}", "a-b ab"},
		{"first_last", "${{ values.tags | first }}${{ values.tags | last }}", "ab"},
		{"title_splits_on_spaces_only", "${{ values.title | title }}", "Hello Big-world"},
		{"capitalize", "${{ 'hELLO' | capitalize }}", "Hello"},
		{"if_true", "{% if values.publicApi %}yes{% else %}no{% endif %}", "yes"},
		{"if_elif", "{% if values.off %}1{% elif values.budget > 10 %}2{% else %}3{% endif %}", "2"},
		{"if_empty_array_is_truthy", "{% if values.empty %}truthy{% endif %}", "truthy"},
		{"if_undefined_member", "{% if values.missing.deep %}x{% else %}y{% endif %}", "y"},
		{"inline_if", "${{ 'OPTIONAL.md' if values.off else '' }}|${{ 'on' if values.publicApi else 'off' }}", "|on"},
		{"for_loop", "{% for t in values.tags %}${{ loop.index }}=${{ t }}{% if not loop.last %},{% endif %}{% endfor %}", "1=a,2=b"},
		{"for_else", "{% for t in values.empty %}x{% else %}none{% endfor %}", "none"},
		{"raw_block", "{% raw %}${{ github.sha }} {% if %}{% endraw %}", "${{ github.sha }} {% if %}"},
		{"escaped_delimiter", "${{ '${{' }} secrets.X }}", "${{ secrets.X }}"},
		{"comment", "a{# hidden #}b", "ab"},
		{"whitespace_control", "x\n  {%- if values.publicApi -%}\n  y\n  {%- endif %}\nz", "xy\nz"},
		{"block_lines_leave_blank_lines", "a\n{% if values.publicApi %}\nb\n{% endif %}\nc\n", "a\n\nb\n\nc\n"},
		{"variable_whitespace_control", "a  ${{- values.name -}}  b", "aflight-eventsb"},
		{"concat", "${{ values.name ~ '-api' }}", "flight-events-api"},
		{"or_returns_operand", "${{ values.missing or 'fallback' }}", "fallback"},
		{"set", "{% set n = values.name | upper %}${{ n }}", "FLIGHT-EVENTS"},
		{"crlf_kept", "a\r\n${{ values.name }}\r\n", "a\r\nflight-events\r\n"},
		{"crlf_trimmed_by_whitespace_control", "{% if values.publicApi -%}\r\n  x\r\n{%- endif %}", "x"},
		{"crlf_in_raw_block", "{% raw %}a\r\n${{ b }}{% endraw %}\r\n", "a\r\n${{ b }}\r\n"},
		{"dict_literal_and_lookup", "${{ {'a': 1}['a'] }}", "1"},
		{"list_literal_prints_joined", "${{ [1, 'b', true] }}", "1,b,true"},
		{"is_defined", "${{ 'y' if values.name is defined else 'n' }}${{ 'y' if values.missing is defined else 'n' }}", "yn"},
	}
	e := NewEngine(EngineOptions{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := e.Render(tc.name, tc.src, data)
			if err != nil {
				t.Fatalf("Render(%q): %v", tc.src, err)
			}
			if got != tc.want {
				t.Errorf("Render(%q) = %q, want %q", tc.src, got, tc.want)
			}
		})
	}
}

func TestEngineRenderErrors(t *testing.T) {
	t.Parallel()
	data := map[string]any{"values": map[string]any{"repoUrl": "gitlab.example.com?owner=a&repo=b", "noRepo": "github.com?owner=a"}}
	tests := []struct {
		name, src, wantErr string
	}{
		{"unknown_filter", "${{ values.x | jsonify }}", `unknown template filter "jsonify"`},
		{"unknown_filter_in_block", "{% if values.x | nope %}{% endif %}", `unknown template filter "nope"`},
		{"mixed_line_endings", "a\r\n${{ values.x }}\n", "mixed line endings"},
		{"syntax_error", "${{ values. }}", "parse syntax_error"},
		{"unclosed_block", "{% if values.x %}", "parse unclosed_block"},
		{"unknown_host", "${{ values.repoUrl | projectSlug }}", "no matching integration configuration for host gitlab.example.com"},
		{"missing_repo", "${{ values.noRepo | parseRepoUrl }}", "missing repo"},
	}
	e := NewEngine(EngineOptions{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := e.Render(tc.name, tc.src, data)
			if err == nil {
				t.Fatalf("Render(%q) = %q, want error containing %q", tc.src, got, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Render(%q) error = %q, want it to contain %q", tc.src, err, tc.wantErr)
			}
		})
	}
}
