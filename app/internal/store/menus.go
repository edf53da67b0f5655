package store

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrNotFound means no menu exists for the restaurant.
var ErrNotFound = errors.New("not found")

// MenuRow is one row of the menus table.
type MenuRow struct {
	RestaurantID int64
	Document     []byte // JSON object, validated by the API before writing
	Version      int64
	UpdatedAt    time.Time
}

// GetMenu reads a menu. Callers pass the reader pool: menus tolerate the
// replica lag of a read replica.
func GetMenu(ctx context.Context, db *pgxpool.Pool, restaurantID int64) (MenuRow, error) {
	return withReconnect(ctx, db, func() (MenuRow, error) { return getMenu(ctx, db, restaurantID) })
}

func getMenu(ctx context.Context, db *pgxpool.Pool, restaurantID int64) (MenuRow, error) {
	row := MenuRow{RestaurantID: restaurantID}
	err := db.QueryRow(ctx,
		`SELECT document, version, updated_at FROM menus WHERE restaurant_id = $1`,
		restaurantID,
	).Scan(&row.Document, &row.Version, &row.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return MenuRow{}, ErrNotFound
	}
	if err != nil {
		return MenuRow{}, err
	}
	return row, nil
}

// UpsertMenu creates or replaces a menu on the writer and returns the stored
// row with its new version.
//
// When the write fails because the connection points at a demoted instance
// (failover), the writer pool is reset so that the next request reconnects
// through DNS to the new primary instead of failing until the connections age
// out.
//
// A write whose connection was lost (see IsConnectionLost) is retried once
// on a new connection. A menu PUT replaces the whole document, so in the
// rare case where the first attempt had committed before the connection
// died, the retry only bumps the version once more.
func UpsertMenu(ctx context.Context, writer *pgxpool.Pool, restaurantID int64, document []byte) (MenuRow, error) {
	return withReconnect(ctx, writer, func() (MenuRow, error) { return upsertMenu(ctx, writer, restaurantID, document) })
}

func upsertMenu(ctx context.Context, writer *pgxpool.Pool, restaurantID int64, document []byte) (MenuRow, error) {
	row := MenuRow{RestaurantID: restaurantID}
	err := writer.QueryRow(ctx, `
		INSERT INTO menus AS m (restaurant_id, document)
		VALUES ($1, $2)
		ON CONFLICT (restaurant_id) DO UPDATE
		   SET document = EXCLUDED.document,
		       version = m.version + 1,
		       updated_at = now()
		RETURNING document, version, updated_at`,
		restaurantID, document,
	).Scan(&row.Document, &row.Version, &row.UpdatedAt)
	if err != nil {
		if IsReadOnlyError(err) {
			writer.Reset()
		}
		return MenuRow{}, err
	}
	return row, nil
}

// withReconnect runs op and, when its connection was lost, resets the pool
// and runs op once more. A terminated session rarely comes alone: a
// credential rotation, a failover or a restart ends every session of the
// task, so the pool's other idle connections are dead too; Reset drops them
// all at once instead of failing one request per dead connection.
func withReconnect[T any](ctx context.Context, pool *pgxpool.Pool, op func() (T, error)) (T, error) {
	v, err := op()
	if err == nil || ctx.Err() != nil || !IsConnectionLost(err) {
		return v, err
	}
	pool.Reset()
	return op()
}

// IsConnectionLost reports whether err means the session ended under the
// statement: the server terminated it (SQLSTATE class 57P: admin shutdown,
// crash shutdown, cannot connect now, database dropped) or the connection
// broke before the statement was sent. Time-outs do not count.
func IsConnectionLost(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return strings.HasPrefix(pgErr.Code, "57P")
	}
	if pgconn.Timeout(err) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false
	}
	return pgconn.SafeToRetry(err) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}
