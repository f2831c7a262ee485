package main

import "testing"

// The simulator draws a receipt at a fixed width with its height to scale
// (the pane scrolls), not shrunk into the pane: a 384×1500 receipt stays
// taller than the pane's 1000 units.
func TestReceiptSizeKeepsTheWholeReceipt(t *testing.T) {
	if s := receiptSize(384, 1500); s.Width != 400 || s.Height < 1500 || s.Height > 1600 {
		t.Errorf("receiptSize(384, 1500) = %v", s)
	}
	if s := receiptSize(0, 0); s.Width <= 0 || s.Height <= 0 {
		t.Errorf("an empty picture gets %v", s)
	}
}
