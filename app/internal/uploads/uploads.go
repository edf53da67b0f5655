// Package uploads hands out S3 presigned PUT URLs for images, so that large
// files go straight from the client to S3 and never through the API tasks.
package uploads

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/uuid"
)

// Expiry of a presigned URL: long enough for a slow mobile upload, short
// enough that a leaked URL is soon useless.
const Expiry = 10 * time.Minute

// AllowedContentTypes are the image types accepted for upload.
var AllowedContentTypes = map[string]bool{
	"image/jpeg": true,
	"image/png":  true,
	"image/webp": true,
}

// Request is the body of POST /v1/uploads.
type Request struct {
	ContentType   string `json:"content_type"`
	ContentLength *int64 `json:"content_length"`
}

// Validation errors; the HTTP layer maps each to a status code.
var (
	ErrContentType = errors.New("content_type must be one of image/jpeg, image/png, image/webp")
	ErrTooLarge    = errors.New("content_length exceeds the upload limit")
	ErrLength      = errors.New("content_length is required and must be a positive integer")
)

// Validate checks a request against the size limit.
func (r Request) Validate(maxBytes int64) error {
	if !AllowedContentTypes[r.ContentType] {
		return ErrContentType
	}
	if r.ContentLength == nil || *r.ContentLength <= 0 {
		return ErrLength
	}
	if *r.ContentLength > maxBytes {
		return fmt.Errorf("%w: %d bytes > %d bytes", ErrTooLarge, *r.ContentLength, maxBytes)
	}
	return nil
}

// Presigned is what the client needs to upload.
type Presigned struct {
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Key       string            `json:"key"`
	Headers   map[string]string `json:"headers"`
	ExpiresAt time.Time         `json:"expires_at"`
}

// Presigner signs PutObject requests.
type Presigner struct {
	bucket  string
	presign *s3.PresignClient
	now     func() time.Time
}

// NewPresigner returns a presigner for bucket. Presigning is local
// computation with the task role's credentials; no S3 call is made.
func NewPresigner(client *s3.Client, bucket string) *Presigner {
	return &Presigner{
		bucket:  bucket,
		presign: s3.NewPresignClient(client, s3.WithPresignExpires(Expiry)),
		now:     time.Now,
	}
}

// Presign returns a URL for uploading one object of exactly the requested
// type and length to uploads/<subject>/<uuid>. Content-Type and
// Content-Length are part of the signature, so S3 rejects an upload that
// differs from what was validated here. The key is chosen by the server so a
// client cannot overwrite another user's objects. subject must already be
// restricted to key-safe characters (auth does that).
func (p *Presigner) Presign(ctx context.Context, subject string, req Request) (Presigned, error) {
	key := "uploads/" + subject + "/" + uuid.NewString()
	now := p.now()
	out, err := p.presign.PresignPutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(p.bucket),
		Key:           aws.String(key),
		ContentType:   aws.String(req.ContentType),
		ContentLength: req.ContentLength,
	})
	if err != nil {
		return Presigned{}, fmt.Errorf("presign put: %w", err)
	}
	headers := map[string]string{}
	for k := range out.SignedHeader {
		if k == "Host" {
			continue // set by the HTTP client from the URL
		}
		headers[http.CanonicalHeaderKey(k)] = out.SignedHeader.Get(k)
	}
	return Presigned{
		Method:    out.Method,
		URL:       out.URL,
		Key:       key,
		Headers:   headers,
		ExpiresAt: now.Add(Expiry).UTC(),
	}, nil
}
