// Package httpapi is the HTTP layer: routing (Go 1.22 ServeMux patterns),
// middleware, JSON decoding and the mapping of errors to status codes.
package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/garcon/infrastructure/app/internal/auth"
	"github.com/garcon/infrastructure/app/internal/health"
	"github.com/garcon/infrastructure/app/internal/menu"
	"github.com/garcon/infrastructure/app/internal/metrics"
	"github.com/garcon/infrastructure/app/internal/store"
	"github.com/garcon/infrastructure/app/internal/tracing"
	"github.com/garcon/infrastructure/app/internal/uploads"
)

// MaxUploadRequestBytes limits the small JSON body of POST /v1/uploads.
const MaxUploadRequestBytes = 4 << 10

// Deps are the collaborators of the API. All are required by the routes
// that use them; a handler only touches its dependencies after
// authentication and validation succeeded.
type Deps struct {
	Logger         *slog.Logger
	Menus          *menu.Service
	Health         *health.Checker
	Auth           *auth.Verifier
	Uploads        *uploads.Presigner
	UploadMaxBytes int64
	Metrics        *metrics.Recorder
	// Ready reports whether the schema migrations have run. Until then
	// /health answers 503 (migrations pending) and the /v1 routes answer a
	// retryable 503; /livez is always 200. Nil means always ready.
	Ready func() bool
	// Tracing makes a server span of each request (but the probes) with
	// this provider. Nil means no tracing at all: no span, no propagation.
	Tracing *tracing.Provider
}

// notReadyRetryAfter is the Retry-After of the /v1 routes while the
// migrations are pending (seconds; the migrator's backoff is capped higher,
// but most start-ups wait for one failover, not minutes).
const notReadyRetryAfter = "5"

type api struct {
	Deps
	mux *http.ServeMux
}

// New returns the root handler of the service.
func New(d Deps) http.Handler {
	a := &api{Deps: d, mux: http.NewServeMux()}
	a.mux.HandleFunc("GET /livez", a.livez)
	a.mux.HandleFunc("GET /health", a.health)
	a.mux.HandleFunc("GET /v1/restaurants/{id}/menu", a.whenReady(a.getMenu))
	a.mux.HandleFunc("PUT /v1/restaurants/{id}/menu", a.whenReady(a.putMenu))
	a.mux.HandleFunc("POST /v1/uploads", a.whenReady(a.createUpload))
	h := withRequestContext(d.Logger, http.HandlerFunc(a.route))
	if d.Tracing != nil {
		h = withTracing(d.Tracing, h)
	}
	return h
}

// route dispatches through the mux but answers unknown routes (404) and
// wrong methods (405, with the Allow header) with the JSON error body
// instead of ServeMux's plain-text pages.
func (a *api) route(w http.ResponseWriter, r *http.Request) {
	h, pattern := a.mux.Handler(r)
	if pattern == "" {
		dw := &discardWriter{header: http.Header{}}
		h.ServeHTTP(dw, r)
		if dw.status == http.StatusMethodNotAllowed {
			allow := dw.header.Get("Allow")
			w.Header().Set("Allow", allow)
			writeError(w, r, http.StatusMethodNotAllowed, CodeMethodNotAllowed,
				fmt.Sprintf("method %s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow))
			return
		}
		writeError(w, r, http.StatusNotFound, CodeNotFound, "no such route: "+r.Method+" "+r.URL.Path)
		return
	}
	if ri := infoFrom(r.Context()); ri != nil {
		ri.pattern = pattern
	}
	nameSpan(r.Context(), pattern)
	a.mux.ServeHTTP(w, r)
}

func (a *api) livez(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (a *api) ready() bool { return a.Ready == nil || a.Ready() }

// whenReady answers 503 service_unavailable (Retry-After) until the schema
// migrations have run: before that the tables may not exist or not grant
// the application role anything.
func (a *api) whenReady(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !a.ready() {
			w.Header().Set("Retry-After", notReadyRetryAfter)
			writeError(w, r, http.StatusServiceUnavailable, CodeUnavailable,
				"the service is starting: schema migrations are pending; retry shortly")
			return
		}
		h(w, r)
	}
}

func (a *api) health(w http.ResponseWriter, _ *http.Request) {
	if !a.ready() {
		// No dependency checks: the one thing to know is that this task
		// has not reached the writer yet (the migrator logs why).
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{
			"status": health.StatusUnavailable, "migrations": "pending"})
		return
	}
	rep := a.Health.Report()
	status := http.StatusOK
	if !rep.Healthy() {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, rep)
}

func (a *api) getMenu(w http.ResponseWriter, r *http.Request) {
	id, ok := menu.ParseRestaurantID(r.PathValue("id"))
	if !ok {
		writeError(w, r, http.StatusBadRequest, CodeInvalidID,
			"restaurant id must be a positive integer without sign or leading zeros (1 to 9223372036854775807)")
		return
	}
	body, cached, err := a.Menus.Get(r.Context(), id)
	switch {
	case errors.Is(err, menu.ErrNotFound):
		writeError(w, r, http.StatusNotFound, CodeNotFound, fmt.Sprintf("restaurant %d not found", id))
		return
	case err != nil:
		a.storeError(w, r, "read menu", err)
		return
	}
	if cached {
		w.Header().Set("X-Cache", "hit")
	} else {
		w.Header().Set("X-Cache", "miss")
	}
	a.Metrics.MenuViewed()
	writeRawJSON(w, http.StatusOK, body)
}

func (a *api) putMenu(w http.ResponseWriter, r *http.Request) {
	claims, ok := a.authenticate(w, r)
	if !ok {
		return
	}
	if !claims.Admin {
		writeError(w, r, http.StatusForbidden, CodeForbidden, "updating a menu requires an admin token")
		return
	}
	id, ok := menu.ParseRestaurantID(r.PathValue("id"))
	if !ok {
		writeError(w, r, http.StatusBadRequest, CodeInvalidID,
			"restaurant id must be a positive integer without sign or leading zeros (1 to 9223372036854775807)")
		return
	}
	var doc menu.Document
	if !a.decode(w, r, &doc, menu.MaxBodyBytes) {
		return
	}
	if err := doc.Validate(); err != nil {
		var ve *menu.ValidationError
		if errors.As(err, &ve) {
			writeErrorDetails(w, r, http.StatusBadRequest, CodeValidation, ve.Error(), ve.Fields)
			return
		}
		writeError(w, r, http.StatusBadRequest, CodeValidation, err.Error())
		return
	}
	body, err := a.Menus.Put(r.Context(), id, &doc)
	if err != nil {
		a.storeError(w, r, "write menu", err)
		return
	}
	a.Metrics.MenuUpdated()
	a.Logger.LogAttrs(r.Context(), slog.LevelInfo, "menu updated",
		slog.String("request_id", RequestID(r.Context())),
		slog.Int64("restaurant_id", id), slog.String("sub", claims.Subject))
	writeRawJSON(w, http.StatusOK, body)
}

func (a *api) createUpload(w http.ResponseWriter, r *http.Request) {
	claims, ok := a.authenticate(w, r)
	if !ok {
		return
	}
	var req uploads.Request
	if !a.decode(w, r, &req, MaxUploadRequestBytes) {
		return
	}
	if err := req.Validate(a.UploadMaxBytes); err != nil {
		switch {
		case errors.Is(err, uploads.ErrContentType):
			writeError(w, r, http.StatusUnsupportedMediaType, CodeUnsupportedUpload, err.Error())
		case errors.Is(err, uploads.ErrTooLarge):
			writeError(w, r, http.StatusRequestEntityTooLarge, CodeUploadTooLarge,
				fmt.Sprintf("%v (UPLOAD_MAX_BYTES)", err))
		default:
			writeError(w, r, http.StatusBadRequest, CodeValidation, err.Error())
		}
		return
	}
	p, err := a.Uploads.Presign(r.Context(), claims.Subject, req)
	if err != nil {
		a.Logger.LogAttrs(r.Context(), slog.LevelError, "presign failed",
			slog.String("request_id", RequestID(r.Context())), slog.String("error", err.Error()))
		writeError(w, r, http.StatusInternalServerError, CodeInternal, "could not create an upload URL")
		return
	}
	a.Metrics.UploadRequested()
	writeJSON(w, http.StatusOK, p)
}

// authenticate verifies the bearer token and answers 401 itself on failure.
func (a *api) authenticate(w http.ResponseWriter, r *http.Request) (*auth.Claims, bool) {
	claims, err := a.Auth.FromRequest(r)
	if err == nil {
		return claims, true
	}
	code, msg := CodeUnauthorized, "a valid bearer token is required"
	switch {
	case errors.Is(err, auth.ErrMissing):
		w.Header().Set("WWW-Authenticate", `Bearer realm="garcon"`)
	case errors.Is(err, auth.ErrExpired):
		code, msg = CodeTokenExpired, "the bearer token has expired"
		w.Header().Set("WWW-Authenticate", `Bearer realm="garcon", error="invalid_token", error_description="token expired"`)
	default:
		msg = "the bearer token is invalid"
		w.Header().Set("WWW-Authenticate", `Bearer realm="garcon", error="invalid_token"`)
	}
	// The precise reason (bad signature, wrong alg, ...) goes to the log,
	// not to a client that may be probing.
	a.Logger.LogAttrs(r.Context(), slog.LevelInfo, "authentication failed",
		slog.String("request_id", RequestID(r.Context())), slog.String("reason", err.Error()))
	writeError(w, r, http.StatusUnauthorized, code, msg)
	return nil, false
}

// decode reads a JSON body into dst: Content-Type application/json, at most
// maxBytes, no unknown fields, exactly one value. It answers the error
// itself and reports whether decoding succeeded.
func (a *api) decode(w http.ResponseWriter, r *http.Request, dst any, maxBytes int64) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		writeError(w, r, http.StatusUnsupportedMediaType, CodeUnsupportedMediaType,
			"Content-Type must be application/json")
		return false
	}
	if r.ContentLength > maxBytes {
		writeError(w, r, http.StatusRequestEntityTooLarge, CodeBodyTooLarge,
			fmt.Sprintf("request body must be at most %d bytes", maxBytes))
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBytes)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err = dec.Decode(dst)
	if err == nil {
		// Exactly one JSON value: "{}{}" or "{} x" is a client bug.
		if err2 := dec.Decode(&struct{}{}); !errors.Is(err2, io.EOF) {
			err = errTrailingData
			var mbe *http.MaxBytesError
			if errors.As(err2, &mbe) {
				err = err2
			}
		}
	}
	if err == nil {
		return true
	}
	status, code, msg := describeDecodeError(err, maxBytes)
	writeError(w, r, status, code, msg)
	return false
}

var errTrailingData = errors.New("trailing data")

func describeDecodeError(err error, maxBytes int64) (int, string, string) {
	var (
		mbe *http.MaxBytesError
		se  *json.SyntaxError
		ute *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge, CodeBodyTooLarge, fmt.Sprintf("request body must be at most %d bytes", maxBytes)
	case errors.Is(err, io.EOF):
		return http.StatusBadRequest, CodeBadRequest, "request body is empty; a JSON object is required"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return http.StatusBadRequest, CodeBadRequest, "request body is truncated JSON"
	case errors.As(err, &se):
		return http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("malformed JSON at byte %d", se.Offset)
	case errors.As(err, &ute):
		field := ute.Field
		if field == "" {
			return http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("request body must be a JSON object, not %s", ute.Value)
		}
		return http.StatusBadRequest, CodeValidation, fmt.Sprintf("field %q must be %s, got %s", field, jsonTypeName(ute.Type.Kind().String()), ute.Value)
	case errors.Is(err, errTrailingData):
		return http.StatusBadRequest, CodeBadRequest, "request body must contain a single JSON object"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return http.StatusBadRequest, CodeValidation, "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	default:
		return http.StatusBadRequest, CodeBadRequest, "request body is not valid JSON"
	}
}

func jsonTypeName(kind string) string {
	switch kind {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	default:
		return "of another type"
	}
}

// storeError answers a database failure: 503 (retryable) when the database
// is unreachable or slow, 500 otherwise. The cause is logged, not returned.
func (a *api) storeError(w http.ResponseWriter, r *http.Request, op string, err error) {
	a.Logger.LogAttrs(r.Context(), slog.LevelError, op+" failed",
		slog.String("request_id", RequestID(r.Context())), slog.String("error", err.Error()))
	if store.IsUnavailable(err) {
		w.Header().Set("Retry-After", "1")
		writeError(w, r, http.StatusServiceUnavailable, CodeUnavailable, "the database is temporarily unavailable; retry shortly")
		return
	}
	writeError(w, r, http.StatusInternalServerError, CodeInternal, "internal server error")
}
