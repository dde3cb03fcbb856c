package render

import "bytes"

// isBinary reports whether b (a file's first 512 bytes) is binary, with the
// semantics of the isbinaryfile npm package (v5) that fetch:template uses:
// BOMs, NUL bytes, the share of non-text bytes and protobuf-looking content.
func isBinary(b []byte) bool {
	total := len(b)
	if total == 0 {
		return false
	}
	switch {
	case bytes.HasPrefix(b, []byte{0xef, 0xbb, 0xbf}), // UTF-8 BOM
		bytes.HasPrefix(b, []byte{0x00, 0x00, 0xfe, 0xff}), // UTF-32 BOM
		bytes.HasPrefix(b, []byte{0xff, 0xfe, 0x00, 0x00}), // UTF-32 LE BOM
		bytes.HasPrefix(b, []byte{0x84, 0x31, 0x95, 0x33}): // GB BOM
		return false
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return true
	case bytes.HasPrefix(b, []byte{0xfe, 0xff}), bytes.HasPrefix(b, []byte{0xff, 0xfe}): // UTF-16 BOMs
		return false
	}
	at := func(i int) byte { // out-of-range reads see the zeroed read buffer
		if i < total {
			return b[i]
		}
		return 0
	}
	suspicious := 0
	for i := 0; i < total; i++ {
		c := b[i]
		if c == 0 {
			return true
		}
		if (c < 7 || c > 14) && (c < 32 || c > 127) {
			if c > 193 && c < 224 && i+1 < total {
				i++
				if b[i] > 127 && b[i] < 192 {
					continue
				}
			} else if c > 223 && c < 240 && i+2 < total {
				i++
				if b[i] > 127 && b[i] < 192 && at(i+1) > 127 && at(i+1) < 192 {
					i++
					continue
				}
			}
			suspicious++
			if i >= 32 && suspicious*100/total > 10 {
				return true
			}
		}
	}
	if suspicious*100/total > 10 {
		return true
	}
	return suspicious > 1 && isBinaryProto(b)
}

// protoReader mirrors isbinaryfile's non-throwing reader.
type protoReader struct {
	b   []byte
	off int
	err bool
}

func (r *protoReader) nextByte() byte {
	if r.off == len(r.b) || r.err {
		r.err = true
		return 0xff
	}
	c := r.b[r.off]
	r.off++
	return c
}

func (r *protoReader) next(n int32) {
	for i := int32(0); i < n; i++ {
		r.nextByte()
	}
}

// varInt reads a protobuf varint with JavaScript's 32-bit shift semantics.
func (r *protoReader) varInt() int32 {
	var v int32
	for idx := 0; !r.err; idx++ {
		c := r.nextByte()
		v |= int32(c&0x7f) << ((7 * idx) & 31)
		if c&0x80 == 0 {
			break
		}
	}
	return v
}

func (r *protoReader) message() bool {
	switch r.varInt() & 7 {
	case 0:
		r.varInt()
	case 1:
		r.next(8)
	case 2:
		r.next(r.varInt())
	case 5:
		r.next(4)
	default:
		return false
	}
	return true
}

func isBinaryProto(b []byte) bool {
	r := &protoReader{b: b}
	messages := 0
	for {
		if !r.message() && !r.err {
			return false
		}
		if r.err {
			break
		}
		messages++
	}
	return messages > 0
}
