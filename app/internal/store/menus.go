package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
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
func UpsertMenu(ctx context.Context, writer *pgxpool.Pool, restaurantID int64, document []byte) (MenuRow, error) {
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
