package alertbridge

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
)

// Route is the path Cloud Monitoring's webhook channel posts to.
const Route = "/v1/cloud-monitoring"

// Auth is the credential a webhook channel presents: a token (sent as
// "Authorization: Bearer <token>" or, as a webhook_tokenauth channel's URL
// carries it, an auth_token query parameter) or HTTP basic credentials
// (webhook_basicauth). Whatever is set is accepted; at least one must be.
type Auth struct {
	Token    string
	User     string
	Password string
}

// Secrets lists the secret values, for redaction.
func (a Auth) Secrets() []string { return []string{a.Token, a.Password} }

// Valid reports whether the request carries the configured credentials. The
// comparison is constant-time over SHA-256 digests, so neither the content
// nor the length of the secret leaks through timing.
func (a Auth) Valid(r *http.Request) bool {
	ok := false
	if a.Token != "" {
		if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
			ok = equal(h[7:], a.Token) || ok
		}
		if q := r.URL.Query().Get("auth_token"); q != "" {
			ok = equal(q, a.Token) || ok
		}
	}
	if a.User != "" && a.Password != "" {
		if u, p, has := r.BasicAuth(); has {
			userOK := equal(u, a.User)
			passOK := equal(p, a.Password)
			ok = userOK && passOK || ok
		}
	}
	return ok
}

func equal(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// Handler serves Route (POST, authenticated) and /healthz. Bad credentials get
// 401 without a reason; a payload the bridge cannot read gets 400; a Jira
// failure gets 503 (Cloud Monitoring retries 5xx answers; a 500 would say
// the bridge is broken, and it is not); success gets 200 with the Outcome.
func Handler(b *Bridge, auth Auth, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc(Route, func(w http.ResponseWriter, r *http.Request) {
		if !auth.Valid(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="alertbridge", Basic realm="alertbridge"`)
			problem(w, Problem{Type: "about:blank", Title: "Unauthorized", Status: http.StatusUnauthorized})
			return
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			problem(w, Problem{Type: "about:blank", Title: "Method Not Allowed", Status: http.StatusMethodNotAllowed})
			return
		}
		n, err := Decode(r.Body)
		if err != nil {
			detail := "the body could not be read"
			if errors.Is(err, ErrBadPayload) {
				detail = b.redact.String(err.Error())
			}
			log.LogAttrs(r.Context(), slog.LevelWarn, "rejected notification", slog.String("error", detail))
			problem(w, Problem{Type: "about:blank", Title: "Bad Request", Status: http.StatusBadRequest, Detail: detail})
			return
		}
		out, err := b.Apply(r.Context(), n)
		attrs := []slog.Attr{
			slog.String("incident_id", n.Incident.IncidentID), slog.String("state", n.Incident.State),
			slog.String("fingerprint", Fingerprint(n.Incident)),
		}
		if err != nil {
			log.LogAttrs(context.WithoutCancel(r.Context()), slog.LevelError, "jira failed; asking Cloud Monitoring to retry",
				append(attrs, slog.String("error", b.redact.String(err.Error())))...)
			w.Header().Set("Retry-After", "30")
			problem(w, Problem{Type: "about:blank", Title: "Service Unavailable", Status: http.StatusServiceUnavailable,
				Detail: "Jira could not be updated; the notification is safe to redeliver"})
			return
		}
		log.LogAttrs(r.Context(), slog.LevelInfo, "notification applied",
			append(attrs, slog.String("action", out.Action), slog.String("key", out.Key))...)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
	return mux
}

func problem(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
