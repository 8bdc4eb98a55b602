// The producer-consumer problem on a Pipe, ended by closing it (Beazley's
// Python Essential Reference), ported to the compat face: each process closes
// the end it does not use, so that the consumer sees end of file once the
// producer closes its end.
//
//   import multiprocessing
//   # Consume items on a pipe.
//   def consumer(pipe):
//       output_p, input_p = pipe
//       input_p.close()  # Close the input end of the pipe
//       while True:
//           try:
//               item = output_p.recv()
//           except EOFError:
//               break
//           # Process item
//           print(item)  # Replace with useful work
//       # Shutdown
//       print("Consumer done")
//   # Produce items and put on a queue. sequence is an
//   # iterable representing items to be processed.
//   def producer(sequence, input_p):
//       for item in sequence:
//           # Put the item on the queue
//           input_p.send(item)
//   if __name__ == '__main__':
//       (output_p, input_p) = multiprocessing.Pipe()
//       # Launch the consumer process
//       cons_p = multiprocessing.Process(target=consumer, args=((output_p, input_p),))
//       cons_p.start()
//       # Close the output pipe in the producer
//       output_p.close()
//       # Produce items
//       sequence = [1, 2, 3, 4]
//       producer(sequence, input_p)
//       # Signal completion by closing the input pipe
//       input_p.close()
//       # Wait for the consumer process to shutdown
//       cons_p.join()
//
// As the book says: pipes are reference counted by the operating system, and
// end of file comes only once every copy of the writing end is closed — here
// too, where the child is handed copies of both ends.
import { type Connection, Pipe, Process } from "effect-multiprocessing/compat"

// Consume items on a pipe.
async function consumer(pipe: readonly [Connection<number>, Connection<number>]) {
  const { EOFError } = await import("effect-multiprocessing/compat")
  const [outputP, inputP] = pipe
  inputP.close() // Close the input end of the pipe
  while (true) {
    let item: number
    try {
      item = await outputP.recv()
    } catch (error) {
      if (!(error instanceof EOFError)) throw error
      break
    }
    // Process item
    console.log(item) // Replace with useful work
  }
  // Shutdown
  console.log("Consumer done")
}

// Produce items and put on a queue. sequence is an iterable representing items to be processed.
async function producer(sequence: Iterable<number>, inputP: Connection<number>) {
  for (const item of sequence) {
    // Put the item on the queue
    await inputP.send(item)
  }
}

const [outputP, inputP] = await Pipe<number>()
// Launch the consumer process
const consP = new Process({ target: consumer, args: [[outputP, inputP]] })
consP.start()
// Close the output pipe in the producer
outputP.close()
// Produce items
const sequence = [1, 2, 3, 4]
await producer(sequence, inputP)
// Signal completion by closing the input pipe
inputP.close()
// Wait for the consumer process to shutdown
await consP.join()
