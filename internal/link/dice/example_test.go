package dice_test

import (
	"encoding/base64"
	"fmt"

	"github.com/civiclink/civiclink/internal/link/dice"
)

// Two partners' 16-bit encodings (real ones are usually 1024 bits), as
// base64 in the clkhash byte order.
func Example() {
	enc := func(b ...byte) string { return base64.StdEncoding.EncodeToString(b) }
	council, err := dice.DecodeBase64(16, []string{enc(0xf0, 0x0f), enc(0x00, 0xff)})
	if err != nil {
		panic(err)
	}
	police, err := dice.DecodeBase64(16, []string{enc(0xf0, 0x1f), enc(0xaa, 0x00)})
	if err != nil {
		panic(err)
	}
	pairs, err := dice.Candidates(council, police, 0.8)
	if err != nil {
		panic(err)
	}
	for _, p := range pairs {
		fmt.Printf("council %d ~ police %d: %.3f\n", p.Query, p.Ref, p.Score)
	}
	// Output:
	// council 0 ~ police 0: 0.941
}
