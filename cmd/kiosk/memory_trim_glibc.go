//go:build linux && cgo

package main

/*
#include <malloc.h>
*/
import "C"

// trimCHeap asks glibc to give the free memory of all its arenas back to
// the system (malloc_trim(3)): SQLite's and the renderer's freed
// allocations otherwise stay in the resident set. It reports whether any
// memory was released.
func trimCHeap() bool { return C.malloc_trim(0) == 1 }
