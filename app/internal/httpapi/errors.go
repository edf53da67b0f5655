package httpapi

import (
	"encoding/json"
	"net/http"
)

// Error codes of the JSON error body. Clients switch on code, never on
// message.
const (
	CodeBadRequest           = "bad_request"
	CodeValidation           = "validation_failed"
	CodeInvalidID            = "invalid_id"
	CodeUnauthorized         = "unauthorized"
	CodeTokenExpired         = "token_expired"
	CodeForbidden            = "forbidden"
	CodeNotFound             = "not_found"
	CodeMethodNotAllowed     = "method_not_allowed"
	CodeBodyTooLarge         = "body_too_large"
	CodeUnsupportedMediaType = "unsupported_media_type"
	CodeUploadTooLarge       = "upload_too_large"
	CodeUnsupportedUpload    = "unsupported_upload_type"
	CodeUnavailable          = "service_unavailable"
	CodeInternal             = "internal_error"
)

// ErrorBody is the one error shape of the API:
// {"error":{"code":"…","message":"…","request_id":"…"}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of ErrorBody. Details carries per-field
// validation problems when there are any.
type ErrorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
	Details   any    `json:"details,omitempty"`
}

// writeJSON writes v with status. Encoding errors cannot be reported to the
// client once the header is out, so they are ignored.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal_error","message":"response encoding failed","request_id":""}}`)
	}
	writeRawJSON(w, status, b)
}

func writeRawJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	// Most responses are per-user or short-lived; the ALB/CloudFront must
	// not cache them unless a handler says otherwise.
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	// The body is JSON served as application/json with nosniff, never HTML,
	// so reflected input cannot become script (gosec G705 does not see that).
	_, _ = w.Write(append(body, '\n')) //nolint:gosec // see above
}

// writeError writes the standard error body.
func writeError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	writeErrorDetails(w, r, status, code, message, nil)
}

func writeErrorDetails(w http.ResponseWriter, r *http.Request, status int, code, message string, details any) {
	writeJSON(w, status, ErrorBody{Error: ErrorDetail{
		Code:      code,
		Message:   message,
		RequestID: RequestID(r.Context()),
		Details:   details,
	}})
}
