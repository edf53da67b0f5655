package menu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/garcon/infrastructure/app/internal/cache"
	"github.com/garcon/infrastructure/app/internal/store"
)

// ErrNotFound means the restaurant has no menu (it is unknown).
var ErrNotFound = errors.New("menu not found")

// DefaultQueryTimeout bounds one database round trip of a request, well
// under the ALB's 60 s idle timeout and the client's patience.
const DefaultQueryTimeout = 3 * time.Second

// Service reads menus through the cache and writes them to the writer.
type Service struct {
	writer       *pgxpool.Pool
	reader       *pgxpool.Pool
	cache        *cache.MenuCache
	queryTimeout time.Duration
}

// NewService wires the pools and the cache.
func NewService(writer, reader *pgxpool.Pool, c *cache.MenuCache) *Service {
	return &Service{writer: writer, reader: reader, cache: c, queryTimeout: DefaultQueryTimeout}
}

// Get returns the menu JSON of a restaurant and whether it came from the
// cache. On a miss (or with Redis down) it reads the reader pool and fills
// the cache.
func (s *Service) Get(ctx context.Context, restaurantID int64) (body []byte, cached bool, err error) {
	if _, b, ok := s.cache.Get(ctx, restaurantID); ok {
		return b, true, nil
	}
	qctx, cancel := context.WithTimeout(ctx, s.queryTimeout)
	defer cancel()
	row, err := store.GetMenu(qctx, s.reader, restaurantID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, ErrNotFound
	}
	if err != nil {
		return nil, false, fmt.Errorf("read menu %d: %w", restaurantID, err)
	}
	body, err = render(row)
	if err != nil {
		return nil, false, err
	}
	s.cache.Put(ctx, restaurantID, row.Version, body)
	return body, false, nil
}

// Put validates nothing (the caller did) and stores doc as the menu of
// restaurantID, then replaces the cached copy with the new version. If Redis
// cannot take the new copy, the old one is deleted so that it cannot be
// served for a whole TTL.
func (s *Service) Put(ctx context.Context, restaurantID int64, doc *Document) ([]byte, error) {
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encode menu: %w", err)
	}
	qctx, cancel := context.WithTimeout(ctx, s.queryTimeout)
	defer cancel()
	row, err := store.UpsertMenu(qctx, s.writer, restaurantID, raw)
	if err != nil {
		return nil, fmt.Errorf("write menu %d: %w", restaurantID, err)
	}
	body, err := render(row)
	if err != nil {
		return nil, err
	}
	if !s.cache.Put(ctx, restaurantID, row.Version, body) {
		s.cache.Delete(ctx, restaurantID)
	}
	return body, nil
}

// render turns a stored row into the response JSON. The document is
// decoded and re-encoded because JSONB does not keep key order.
func render(row store.MenuRow) ([]byte, error) {
	m := Menu{RestaurantID: row.RestaurantID, Version: row.Version, UpdatedAt: row.UpdatedAt.UTC()}
	if err := json.Unmarshal(row.Document, &m.Document); err != nil {
		return nil, fmt.Errorf("decode stored menu %d: %w", row.RestaurantID, err)
	}
	return json.Marshal(m)
}
