package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// Open keeps the schema map beside the file, writes it again only when the
// schema changed, and opens without it when it cannot be written.
func TestSchemaMapKeptBesideTheFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	st, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SchemaMapError(); err != nil {
		t.Fatal(err)
	}
	want, err := readSchemaMapFrom(ctx, st.DB())
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	got, err := loadSchemaMap(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.PageSize != want.PageSize || got.UserVersion != want.UserVersion || len(got.Rows) != len(want.Rows) || got.UserVersion == 0 {
		t.Fatalf("map = %d %d %d rows, want %d %d %d rows", got.PageSize, got.UserVersion, len(got.Rows), want.PageSize, want.UserVersion, len(want.Rows))
	}
	roots := 0
	for i, r := range got.Rows {
		w := want.Rows[i]
		if r.Type != w.Type || r.Name != w.Name || r.TblName != w.TblName || r.RootPage != w.RootPage ||
			(r.SQL == nil) != (w.SQL == nil) || r.SQL != nil && *r.SQL != *w.SQL {
			t.Errorf("row %d = %+v, want %+v", i, r, want.Rows[i])
		}
		if r.RootPage > 1 {
			roots++
		}
	}
	if roots < 5 {
		t.Errorf("only %d rows with a root page", roots)
	}
	// Unchanged: not written again.
	fi, _ := os.Stat(path + SchemaMapSuffix)
	st, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	fi2, _ := os.Stat(path + SchemaMapSuffix)
	if !os.SameFile(fi, fi2) {
		t.Error("an unchanged schema map was written again")
	}
	// Changed (here: tampered with): written again.
	if err := os.WriteFile(path+SchemaMapSuffix, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, err := loadSchemaMap(path); err != nil {
		t.Errorf("map not rewritten: %v", err)
	}
	// Cannot be written (a directory in its place): the store opens and
	// says why.
	path2 := filepath.Join(t.TempDir(), "kiosk.db")
	if err := os.MkdirAll(filepath.Join(path2+SchemaMapSuffix, "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	st, err = Open(ctx, path2, Options{})
	if err != nil {
		t.Fatalf("open without a writable map: %v", err)
	}
	defer st.Close()
	if st.SchemaMapError() == nil {
		t.Error("no error for a map that could not be written")
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path2), ".tmp-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
