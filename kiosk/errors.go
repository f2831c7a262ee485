package kiosk

import "errors"

// Sentinel errors of the kiosk root package.
var (
	// ErrInvalidCatalog is wrapped by every error of Catalog.Validate.
	ErrInvalidCatalog = errors.New("kiosk: invalid catalog")
	// ErrCanonical is wrapped by errors of CanonicalJSON and AuditHash.
	ErrCanonical = errors.New("kiosk: canonical json")
)
