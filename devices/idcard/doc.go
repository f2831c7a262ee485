// Package idcard reads Chinese second-generation ID cards, Hong Kong/Macau/
// Taiwan residence permits and foreign permanent resident cards through a
// SAM_V module speaking the GA 467 serial protocol (frames starting
// AA AA AA 96 69).
//
// It is three layers, in separate files:
//
//   - frame.go: the frame codec. Scan finds frames in a byte stream,
//     resynchronising on the preamble after noise and rejecting bad
//     checksums and impossible lengths without allocating from them.
//   - text.go: the pure text-block parser for all four card layouts (type
//     flag at offset 248 first), UCS-2 decoded here so rare characters
//     survive, 长期 kept as LongTerm, GB 11643 check digit on every number.
//   - reader.go: the conversation. NewReader(port, opts).Run(ctx) owns the
//     port: it checks the SAM, reads its ID, polls find-card every
//     PollInterval, selects and reads a card and its appended addresses, and
//     emits Events. A card that was read does not answer find again while
//     it stays on the reader, so removal is detected by asking it for its
//     appended address. Every command has its own timeout.
//
// Reconnection: when the port fails (an unplugged USB adapter) Run closes it
// and, if Options.Open is set, reopens it every ReconnectInterval, emitting
// ReaderError once and ReaderBack when the module answers again. Without
// Open, Run returns the error and the caller decides.
//
// The photo is kept as the raw 1024-byte WLT blob: decoding it needs the
// card-reader vendor's licensed library, which belongs behind an interface
// outside this package.
//
// Privacy: errors and log lines of this package never hold a full ID number;
// the frame ring in Status keeps only the status bytes of answers that carry
// card data.
package idcard
