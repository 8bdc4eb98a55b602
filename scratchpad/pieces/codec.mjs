import "../../dist/internal/codec.js"
