package inspect

// corpusMinShare is the share of openssl's lines the corpus must match.
const corpusMinShare = 0.999
