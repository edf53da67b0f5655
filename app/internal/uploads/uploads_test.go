package uploads

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func n(v int64) *int64 { return &v }

func TestValidate(t *testing.T) {
	const max = 10 << 20
	ok := []Request{
		{ContentType: "image/jpeg", ContentLength: n(1)},
		{ContentType: "image/png", ContentLength: n(max)},
		{ContentType: "image/webp", ContentLength: n(12345)},
	}
	for _, r := range ok {
		assert.NoError(t, r.Validate(max), "%+v", r)
	}
	bad := []struct {
		r    Request
		want error
	}{
		{Request{ContentType: "image/gif", ContentLength: n(10)}, ErrContentType},
		{Request{ContentType: "image/svg+xml", ContentLength: n(10)}, ErrContentType},
		{Request{ContentType: "IMAGE/JPEG", ContentLength: n(10)}, ErrContentType},
		{Request{ContentType: "", ContentLength: n(10)}, ErrContentType},
		{Request{ContentType: "image/jpeg", ContentLength: n(max + 1)}, ErrTooLarge},
		{Request{ContentType: "image/jpeg", ContentLength: n(0)}, ErrLength},
		{Request{ContentType: "image/jpeg", ContentLength: n(-5)}, ErrLength},
		{Request{ContentType: "image/jpeg"}, ErrLength},
	}
	for _, b := range bad {
		err := b.r.Validate(max)
		assert.True(t, errors.Is(err, b.want), "%+v: got %v, want %v", b.r, err, b.want)
	}
}

func testClient() *s3.Client {
	return s3.New(s3.Options{
		Region:      "eu-west-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""),
	})
}

// Presigning is offline computation, so the real SDK runs here.
func TestPresignSignsTypeAndLength(t *testing.T) {
	p := NewPresigner(testClient(), "garcon-uploads-test")
	fixed := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	p.now = func() time.Time { return fixed }

	out, err := p.Presign(context.Background(), "user-7", Request{ContentType: "image/png", ContentLength: n(4096)})
	require.NoError(t, err)
	assert.Equal(t, "PUT", out.Method)
	assert.Regexp(t, regexp.MustCompile(`^uploads/user-7/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`), out.Key)
	assert.Equal(t, fixed.Add(10*time.Minute), out.ExpiresAt)
	assert.Equal(t, "image/png", out.Headers["Content-Type"])
	assert.Equal(t, "4096", out.Headers["Content-Length"])
	assert.NotContains(t, out.Headers, "Host")

	u, err := url.Parse(out.URL)
	require.NoError(t, err)
	assert.Equal(t, "https", u.Scheme)
	assert.Contains(t, u.Host, "garcon-uploads-test")
	assert.True(t, strings.HasSuffix(u.Path, "/"+out.Key), u.Path)
	q := u.Query()
	assert.Equal(t, "600", q.Get("X-Amz-Expires"))
	assert.Equal(t, "AWS4-HMAC-SHA256", q.Get("X-Amz-Algorithm"))
	signed := strings.Split(q.Get("X-Amz-SignedHeaders"), ";")
	assert.Contains(t, signed, "content-type")
	assert.Contains(t, signed, "content-length")
	assert.Contains(t, signed, "host")
	assert.NotEmpty(t, q.Get("X-Amz-Signature"))

	// Two uploads never share a key.
	out2, err := p.Presign(context.Background(), "user-7", Request{ContentType: "image/png", ContentLength: n(4096)})
	require.NoError(t, err)
	assert.NotEqual(t, out.Key, out2.Key)
}

func TestPresignSignatureDependsOnLengthAndType(t *testing.T) {
	// Same key and time, different declared length/type => different
	// signature, i.e. S3 will refuse an upload that does not match.
	ps := s3.NewPresignClient(testClient(), s3.WithPresignExpires(Expiry))
	presign := func(ct string, length int64) (sig, date string) {
		out, err := ps.PresignPutObject(context.Background(), &s3.PutObjectInput{
			Bucket: aws.String("b"), Key: aws.String("k"), ContentType: aws.String(ct), ContentLength: aws.Int64(length),
		})
		require.NoError(t, err)
		u, err := url.Parse(out.URL)
		require.NoError(t, err)
		return u.Query().Get("X-Amz-Signature"), u.Query().Get("X-Amz-Date")
	}
	// The signature covers X-Amz-Date (1 s resolution): retry until all
	// three land in the same second, which only a second boundary prevents.
	for attempt := 0; attempt < 10; attempt++ {
		a, da := presign("image/png", 100)
		a2, da2 := presign("image/png", 100)
		b, db := presign("image/png", 101)
		c, dc := presign("image/jpeg", 100)
		if da != da2 || da != db || da != dc {
			continue
		}
		assert.Equal(t, a, a2, "same inputs, same signature")
		assert.NotEqual(t, a, b, "length must be signed")
		assert.NotEqual(t, a, c, "content type must be signed")
		return
	}
	t.Fatal("could not presign three URLs within one second")
}
