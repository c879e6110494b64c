// Package sound is the waiting hall's sound informing system: it turns a
// call of a ticket to a window into a spoken announcement, "Талон П
// двенадцать — окно номер пять", and plays announcements one at a time.
//
// Speech is made of recorded fragments, not synthesised at run time.
// Compose turns a call into fragment names: a chime, "повторно" for a
// recall, "талон", the prefix's letters, the number, "окно номер" and the
// window's number, each a name like "ticket", "letter-п" or "num-12". A Bank
// holds one WAV file per name (mono 16-bit PCM, one sample rate) for one
// language; Render joins the fragments with short gaps into one WAV file.
// The default bank, made by espeak-ng (go run ./devices/sound/gen), is
// embedded in the binary; a centre replaces it with its own recorded voice
// by giving LoadBank a folder laid out the same way: ru/ticket.wav,
// ru/letter-п.wav, ru/num-12.wav and so on (Fragments lists every name,
// Text what each says). The chime is synthesised unless the folder has a
// chime.wav.
//
// Numbers are read as whole numbers from 0 to 999 ("П012" is "П
// двенадцать"), built from 37 parts: num-0 … num-19, num-20 … num-90 by
// tens and num-100 … num-900 by hundreds. Every part and every phrase reads
// the same whatever follows it ("талон" and "номер" are masculine, so
// "один", never "одна"), which is what lets fragments be joined at all.
//
// A Queue plays the hall's announcements: never two at once, a recall of a
// ticket still waiting for its turn merged into it, stale ones dropped, and
// a bounded backlog.
package sound
